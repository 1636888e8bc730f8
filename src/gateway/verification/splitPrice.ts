/** Shares of a result's price, in basis points (1/10,000); the network fee is the rest. */
export type PriceSplit = { workerBps: number; partnerBps: number }

export type SplitPriceParameters = {
  price: bigint
  split: PriceSplit
  /** A wallet delegated the session: an anonymous worker's share goes to the network. */
  hasWallet: boolean
  /** The tab came through a partner's widget. */
  hasPartner: boolean
}

export type SplitPriceReturnType = { worker: bigint; partner: bigint; network: bigint }

/**
 * Splits a price in integer micro-credits. Shares round down and the network fee takes the
 * remainder, so the three always add up to the price exactly, whatever the rounding.
 */
export function splitPrice(parameters: SplitPriceParameters): SplitPriceReturnType {
  const { price, split } = parameters
  const worker = parameters.hasWallet ? (price * BigInt(split.workerBps)) / 10_000n : 0n
  const partner = parameters.hasPartner ? (price * BigInt(split.partnerBps)) / 10_000n : 0n
  return { worker, partner, network: price - worker - partner }
}
