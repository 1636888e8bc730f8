import { type Hex, hexToBytes, isHex } from 'viem'
import { SignatureError } from '../errors/SignatureError'
import { toBufferSource } from '../utils/toBufferSource'
import type { WebCryptoKey } from '../utils/WebCryptoKey'
import { isRawPublicKeyShape, type SessionKeyType, sessionKeyTypes } from './sessionKeyTypes'

export type ImportSessionPublicKeyErrorType = SignatureError

/**
 * Imports a raw session public key as a WebCrypto verify key. The gateway does this once per
 * session and caches the key: verifying with a cached key costs ~0.25 ms, importing costs more.
 */
export async function importSessionPublicKey(
  raw: Hex | Uint8Array,
  keyType: SessionKeyType,
): Promise<WebCryptoKey> {
  const bytes = rawKeyBytes(raw, keyType)
  const { keyAlgorithm } = sessionKeyTypes[keyType]
  try {
    return await globalThis.crypto.subtle.importKey(
      'raw',
      toBufferSource(bytes),
      keyAlgorithm,
      true,
      ['verify'],
    )
  } catch (err) {
    throw webCryptoKeyError(err, keyType, 'The session public key cannot be imported.')
  }
}

function rawKeyBytes(raw: Hex | Uint8Array, keyType: SessionKeyType): Uint8Array {
  const bytes = typeof raw === 'string' && isHex(raw, { strict: true }) ? hexToBytes(raw) : raw
  if (
    bytes instanceof Uint8Array &&
    sessionKeyTypes[keyType] &&
    isRawPublicKeyShape(bytes, keyType)
  ) {
    return bytes
  }
  throw new SignatureError(`Not a raw ${String(keyType)} public key.`, {
    code: 'SESSION_KEY_INVALID',
    details: { keyType: String(keyType) },
  })
}

/** WebCrypto failures as SignatureErrors: NotSupportedError means this runtime lacks the type. */
export function webCryptoKeyError(err: unknown, keyType: string, message: string): SignatureError {
  const unsupported = err instanceof Error && err.name === 'NotSupportedError'
  return new SignatureError(
    unsupported ? `This runtime does not support ${keyType} keys.` : message,
    {
      code: unsupported ? 'SESSION_KEY_UNSUPPORTED' : 'SESSION_KEY_INVALID',
      details: { keyType, reason: err instanceof Error ? err.name : 'unknown' },
      cause: err,
    },
  )
}
