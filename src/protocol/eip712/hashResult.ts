import { type Hex, hashTypedData } from 'viem'
import type { GridDomain } from './createGridDomain'
import { type ResultClaim, resultTypes } from './resultTypes'

export type HashResultReturnType = Hex

/** The EIP-712 digest of a result claim: the 32 bytes a session key signs. */
export function hashResult(result: ResultClaim, domain: GridDomain): HashResultReturnType {
  return hashTypedData({
    domain,
    types: resultTypes,
    primaryType: 'Result',
    message: {
      ...result,
      inferenceUs: BigInt(result.inferenceUs),
      totalUs: BigInt(result.totalUs),
    },
  })
}
