export type ConsentChoice = 'granted' | 'declined'

/**
 * The visitor's choice, remembered in the partner page's localStorage: so per partner site (the
 * origin that loaded widget.js), per grid and per partner address. Storage may be unavailable
 * (disabled, or a sandboxed page): the choice is then not remembered and the card asks again.
 */
export function consentKey(gateway: string, partner: string): string {
  return `inference-grid-widget|${gateway}|${partner}`
}

export function readConsent(key: string): ConsentChoice | undefined {
  try {
    const value = globalThis.localStorage.getItem(key)
    return value === 'granted' || value === 'declined' ? value : undefined
  } catch {
    return undefined
  }
}

export function writeConsent(key: string, choice: ConsentChoice): void {
  try {
    globalThis.localStorage.setItem(key, choice)
  } catch {}
}
