import { type Hex, hexToBytes, isHex } from 'viem'
import type { SignatureError } from '../errors/SignatureError'
import { toBufferSource } from '../utils/toBufferSource'
import type { WebCryptoKey } from '../utils/WebCryptoKey'
import type { GridDomain } from './createGridDomain'
import { hashResult } from './hashResult'
import { importSessionPublicKey, webCryptoKeyError } from './importSessionPublicKey'
import type { ResultClaim } from './resultTypes'
import { SESSION_SIGNATURE_BYTES, type SessionKeyType, sessionKeyTypes } from './sessionKeyTypes'

export type VerifyResultSignatureParameters = {
  /** A cached key from importSessionPublicKey, or the raw public key. */
  publicKey: WebCryptoKey | Hex | Uint8Array
  keyType: SessionKeyType
  result: ResultClaim
  signature: Hex | Uint8Array
  domain: GridDomain
}

export type VerifyResultSignatureReturnType = boolean

export type VerifyResultSignatureErrorType = SignatureError

/**
 * Whether `signature` is the session key's signature over the result claim. A wrong or malformed
 * signature gives false; a public key that cannot be used for `keyType` throws a SignatureError
 * (SESSION_KEY_INVALID / SESSION_KEY_UNSUPPORTED), since that is a configuration problem rather
 * than a bad result.
 */
export async function verifyResultSignature(
  parameters: VerifyResultSignatureParameters,
): Promise<VerifyResultSignatureReturnType> {
  const { keyType, result, domain } = parameters
  const signature = signatureBytes(parameters.signature)
  if (!signature) return false
  const key = await verifyKey(parameters.publicKey, keyType)
  const digest = toBufferSource(hexToBytes(hashResult(result, domain)))
  try {
    return await globalThis.crypto.subtle.verify(
      sessionKeyTypes[keyType].signAlgorithm,
      key,
      toBufferSource(signature),
      digest,
    )
  } catch (err) {
    throw webCryptoKeyError(err, keyType, `The public key cannot verify ${keyType} signatures.`)
  }
}

function signatureBytes(signature: Hex | Uint8Array): Uint8Array | undefined {
  const bytes =
    typeof signature === 'string'
      ? isHex(signature, { strict: true }) && signature.length % 2 === 0
        ? hexToBytes(signature)
        : undefined
      : signature
  return bytes instanceof Uint8Array && bytes.length === SESSION_SIGNATURE_BYTES ? bytes : undefined
}

async function verifyKey(
  publicKey: WebCryptoKey | Hex | Uint8Array,
  keyType: SessionKeyType,
): Promise<WebCryptoKey> {
  if (typeof publicKey === 'string' || publicKey instanceof Uint8Array) {
    return importSessionPublicKey(publicKey, keyType)
  }
  return publicKey
}
