import { bytesToHex, type Hex } from 'viem'
import { SignatureError } from '../errors/SignatureError'
import type { WebCryptoKeyPair } from '../utils/WebCryptoKey'
import { webCryptoKeyError } from './importSessionPublicKey'
import { type SessionKeyType, sessionKeyTypes } from './sessionKeyTypes'

export type GenerateSessionKeyOptions = {
  /**
   * Whether the private key may be exported. Default false: the key can sign but script on the
   * page cannot read it out. (WebCrypto public keys are always exportable.)
   */
  extractable?: boolean | undefined
}

export type GenerateSessionKeyReturnType = {
  keyPair: WebCryptoKeyPair
  /** Raw public key, the form delegations and hello messages carry. */
  publicKeyBytes: Uint8Array
  publicKeyHex: Hex
}

export type GenerateSessionKeyErrorType = SignatureError

/** Creates a session key pair with WebCrypto. A CryptoKeyPair can be kept in IndexedDB as is. */
export async function generateSessionKey(
  keyType: SessionKeyType,
  options: GenerateSessionKeyOptions = {},
): Promise<GenerateSessionKeyReturnType> {
  const { extractable = false } = options
  const { subtle } = globalThis.crypto
  let generated: Awaited<ReturnType<typeof subtle.generateKey>>
  try {
    generated = await subtle.generateKey(sessionKeyTypes[keyType].keyAlgorithm, extractable, [
      'sign',
      'verify',
    ])
  } catch (err) {
    throw webCryptoKeyError(err, keyType, 'The session key could not be generated.')
  }
  if (!('privateKey' in generated)) {
    throw new SignatureError('WebCrypto returned a single key instead of a key pair.', {
      code: 'SESSION_KEY_INVALID',
      details: { keyType },
    })
  }
  const raw = new Uint8Array(await subtle.exportKey('raw', generated.publicKey))
  return { keyPair: generated, publicKeyBytes: raw, publicKeyHex: bytesToHex(raw) }
}
