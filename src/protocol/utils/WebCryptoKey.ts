/**
 * WebCrypto's CryptoKey, named so that it type-checks both in browser code (DOM lib, global
 * `CryptoKey`) and in Node code (no DOM lib; @types/node has it only as `webcrypto.CryptoKey`).
 */
export type WebCryptoKey = Awaited<ReturnType<typeof globalThis.crypto.subtle.importKey>>

export type WebCryptoKeyPair = {
  privateKey: WebCryptoKey
  publicKey: WebCryptoKey
}
