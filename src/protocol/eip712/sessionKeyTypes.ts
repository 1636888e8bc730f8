/**
 * The session key types a worker may use, with the WebCrypto parameters for each. Both give
 * 64-byte signatures: ECDSA P-256 in WebCrypto's IEEE P1363 form (r || s), Ed25519 natively.
 * `publicKeyBytes` is the length of the 'raw' export: an uncompressed SEC1 point (0x04 || X || Y)
 * for P-256, the 32-byte key for Ed25519.
 */
export const sessionKeyTypes = {
  'P-256': {
    publicKeyBytes: 65,
    keyAlgorithm: { name: 'ECDSA', namedCurve: 'P-256' },
    signAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
  },
  Ed25519: {
    publicKeyBytes: 32,
    keyAlgorithm: { name: 'Ed25519' },
    signAlgorithm: { name: 'Ed25519' },
  },
} as const

export type SessionKeyType = keyof typeof sessionKeyTypes

export const SESSION_KEY_TYPES = Object.keys(sessionKeyTypes) as readonly SessionKeyType[]

/** Length of every session-key signature, whichever the key type. */
export const SESSION_SIGNATURE_BYTES = 64

export function isSessionKeyType(value: unknown): value is SessionKeyType {
  return typeof value === 'string' && Object.hasOwn(sessionKeyTypes, value)
}

/** True when `raw` has the length (and, for P-256, the uncompressed prefix) of a raw public key. */
export function isRawPublicKeyShape(raw: Uint8Array, keyType: SessionKeyType): boolean {
  if (raw.length !== sessionKeyTypes[keyType].publicKeyBytes) return false
  return keyType !== 'P-256' || raw[0] === 0x04
}
