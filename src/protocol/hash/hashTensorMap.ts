import { type Hex, sha256 } from 'viem'
import type { TensorMap } from '../tensor/Tensor'
import { encodeTensorMapCanonical } from './encodeTensorMapCanonical'
import { sha256Hex } from './sha256Hex'

export type HashTensorMapReturnType = Hex

/**
 * Up to this size the map is hashed in JavaScript (viem's sha256, synchronous): for the small
 * tensors of tiny jobs, WebCrypto's digest costs more in its hop to another thread and back
 * than in hashing. Larger maps (a PP-OCR det input is 4.9 MB) go to WebCrypto's native code.
 */
const SYNC_HASH_MAX_BYTES = 64 * 1024

/**
 * sha256 of the canonical tensor-map layout, as 0x-prefixed hex: the `inputHash` / `outputHash`
 * a worker signs and the gateway recomputes. Independent of map insertion order.
 */
export async function hashTensorMap(map: TensorMap): Promise<HashTensorMapReturnType> {
  const bytes = encodeTensorMapCanonical(map)
  if (bytes.byteLength <= SYNC_HASH_MAX_BYTES) return sha256(bytes)
  return sha256Hex(bytes)
}
