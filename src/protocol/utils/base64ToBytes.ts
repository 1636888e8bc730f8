const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const values = new Int16Array(128).fill(-1)
for (let i = 0; i < alphabet.length; i++) values[alphabet.charCodeAt(i)] = i

export type Base64ToBytesReturnType = Uint8Array | undefined

/**
 * Decodes standard padded base64 (RFC 4648 section 4) strictly: no whitespace, no URL-safe
 * alphabet, padding only at the end, and zero bits where padding leaves unused ones, so every byte
 * string has exactly one accepted encoding. Returns undefined for anything else, so callers at a
 * boundary raise their own typed error with the field's path. No Buffer, no atob: runs the same
 * in browsers, Web Workers and Node.
 */
export function base64ToBytes(text: string): Base64ToBytesReturnType {
  if (text.length % 4 !== 0) return undefined
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0
  const out = new Uint8Array((text.length / 4) * 3 - padding)
  let o = 0
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length
    const a = sextet(text, i)
    const b = sextet(text, i + 1)
    const c = last && padding === 2 ? 0 : sextet(text, i + 2)
    const d = last && padding >= 1 ? 0 : sextet(text, i + 3)
    if (a < 0 || b < 0 || c < 0 || d < 0) return undefined
    const n = (a << 18) | (b << 12) | (c << 6) | d
    out[o++] = n >>> 16
    if (last && padding === 2) {
      if ((n & 0xffff) !== 0) return undefined
      break
    }
    out[o++] = (n >>> 8) & 0xff
    if (last && padding === 1) {
      if ((n & 0xff) !== 0) return undefined
      break
    }
    out[o++] = n & 0xff
  }
  return out
}

function sextet(text: string, index: number): number {
  const code = text.charCodeAt(index)
  return code < 128 ? (values[code] ?? -1) : -1
}
