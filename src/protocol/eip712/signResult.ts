import { bytesToHex, type Hex, hexToBytes } from 'viem'
import type { SignatureError } from '../errors/SignatureError'
import { toBufferSource } from '../utils/toBufferSource'
import type { WebCryptoKey } from '../utils/WebCryptoKey'
import type { GridDomain } from './createGridDomain'
import { hashResult } from './hashResult'
import { webCryptoKeyError } from './importSessionPublicKey'
import type { ResultClaim } from './resultTypes'
import { type SessionKeyType, sessionKeyTypes } from './sessionKeyTypes'

export type SignResultReturnType = Hex

export type SignResultErrorType = SignatureError

/**
 * Signs a result claim with the session's private key: the key signs the 32-byte EIP-712 digest
 * (ECDSA P-256 hashes it once more with SHA-256, as WebCrypto ECDSA always does; Ed25519 signs it
 * directly). Returns the 64-byte signature as hex.
 */
export async function signResult(
  privateKey: WebCryptoKey,
  keyType: SessionKeyType,
  result: ResultClaim,
  domain: GridDomain,
): Promise<SignResultReturnType> {
  const digest = toBufferSource(hexToBytes(hashResult(result, domain)))
  try {
    const signature = await globalThis.crypto.subtle.sign(
      sessionKeyTypes[keyType].signAlgorithm,
      privateKey,
      digest,
    )
    return bytesToHex(new Uint8Array(signature))
  } catch (err) {
    throw webCryptoKeyError(err, keyType, 'The session key cannot sign.')
  }
}
