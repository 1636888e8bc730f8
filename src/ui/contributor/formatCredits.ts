const MICRO = 1_000_000n

/**
 * Integer micro-credits as credits with up to six decimals, never through a float
 * (1_400n -> "0.0014", 2_500_000n -> "2.5").
 */
export function formatCredits(micro: bigint): string {
  const sign = micro < 0n ? '-' : ''
  const abs = micro < 0n ? -micro : micro
  const whole = abs / MICRO
  const fraction = (abs % MICRO).toString().padStart(6, '0').replace(/0+$/, '')
  return `${sign}${whole.toLocaleString('en-US')}${fraction ? `.${fraction}` : ''}`
}
