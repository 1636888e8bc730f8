import type { Address } from 'viem'
import type { SignedDelegation } from '../protocol/eip712/delegationTypes.ts'
import type { SessionKeyType } from '../protocol/eip712/sessionKeyTypes.ts'
import type { WebCryptoKeyPair } from '../protocol/utils/WebCryptoKey.ts'

/**
 * A delegated session: the WebCrypto key pair (the private key non-extractable: script can sign
 * with it but never read it), and the wallet's signed delegation to its public key.
 */
export type StoredSession = {
  /** sessionIdOf(origin, chainId, wallet). */
  id: string
  wallet: Address
  keyPair: WebCryptoKeyPair
  keyType: SessionKeyType
  publicKeyHex: SignedDelegation['delegation']['sessionKey']
  signed: SignedDelegation
  /** Milliseconds since the epoch (the delegation's expiresAt). */
  expiresAt: number
}

/** Where delegated sessions live between page loads: IndexedDB in the browser, memory in tests. */
export type SessionKeyStore = {
  get(id: string): Promise<StoredSession | undefined>
  put(session: StoredSession): Promise<void>
  delete(id: string): Promise<void>
}

export function sessionIdOf(origin: string, chainId: number, wallet: Address): string {
  return `${origin}|${chainId}|${wallet.toLowerCase()}`
}
