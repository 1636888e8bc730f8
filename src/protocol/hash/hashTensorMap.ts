import type { Hex } from 'viem'
import type { TensorMap } from '../tensor/Tensor'
import { encodeTensorMapCanonical } from './encodeTensorMapCanonical'
import { sha256Hex } from './sha256Hex'

export type HashTensorMapReturnType = Hex

/**
 * sha256 of the canonical tensor-map layout, as 0x-prefixed hex: the `inputHash` / `outputHash`
 * a worker signs and the gateway recomputes. Independent of map insertion order.
 */
export async function hashTensorMap(map: TensorMap): Promise<HashTensorMapReturnType> {
  return sha256Hex(encodeTensorMapCanonical(map))
}
