/** Micro-credits in one credit. */
export const MICRO_PER_CREDIT = 1_000_000n

/**
 * Integer micro-credits (a decimal string, possibly negative) as credits with every significant
 * digit and thousands separators, without going through a float: '14000' -> '0.014',
 * '-2500000' -> '-2.5', '0' -> '0'.
 */
export function formatCredits(micro: string | bigint): string {
  const value = BigInt(micro)
  const sign = value < 0n ? '-' : ''
  const abs = value < 0n ? -value : value
  const whole = (abs / MICRO_PER_CREDIT).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const fraction = (abs % MICRO_PER_CREDIT).toString().padStart(6, '0').replace(/0+$/, '')
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`
}

/** Integer micro-credits as a (rounded) number of credits, for the chart's axis only. */
export function creditsAsNumber(micro: string | bigint): number {
  return Number(BigInt(micro)) / 1e6
}
