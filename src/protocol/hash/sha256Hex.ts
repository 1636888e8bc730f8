import { bytesToHex, type Hex } from 'viem'
import { toBufferSource } from '../utils/toBufferSource'

export type Sha256HexReturnType = Hex

/** SHA-256 of the bytes as 0x-prefixed lowercase hex, via WebCrypto (same in browsers and Node). */
export async function sha256Hex(bytes: Uint8Array): Promise<Sha256HexReturnType> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', toBufferSource(bytes))
  return bytesToHex(new Uint8Array(digest))
}
