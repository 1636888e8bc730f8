import type { Address, Hex } from 'viem'
import type { Delegation, SignedDelegation } from '../protocol/eip712/delegationTypes.ts'
import { generateSessionKey } from '../protocol/eip712/generateSessionKey.ts'
import {
  type GetDelegationTypedDataReturnType,
  getDelegationTypedData,
} from '../protocol/eip712/getDelegationTypedData.ts'
import type { SessionKeyType } from '../protocol/eip712/sessionKeyTypes.ts'
import type { WebCryptoKey } from '../protocol/utils/WebCryptoKey.ts'
import { type SessionKeyStore, type StoredSession, sessionIdOf } from './SessionKeyStore.ts'
import { WalletError } from './WalletError.ts'

export type GetDelegatedSessionParameters = {
  wallet: Address
  /** The chain the grid signs on (GET /v1/network). */
  chainId: number
  /** This page's origin: the delegation names it, and the gateway checks it. */
  origin: string
  /** The gateway's origin, for POST /v1/delegations/nonce. */
  baseUrl: string
  store: SessionKeyStore
  /** Asks the wallet to sign: the one prompt a session costs. */
  signTypedData: (typedData: GetDelegationTypedDataReturnType) => Promise<Hex>
  /**
   * Default 'P-256': every browser has it, and the gateway verifies it ~10% faster than Ed25519
   * (npm run bench -- wallet); 'Ed25519' is the fallback.
   */
  keyType?: SessionKeyType | undefined
  /** How long a delegation lasts. Default 24 hours (the gateway accepts up to 7 days). */
  lifetimeSeconds?: number | undefined
  /** A stored session with less than this left is replaced. Default 10 minutes. */
  minRemainingSeconds?: number | undefined
  now?: (() => number) | undefined
  signal?: AbortSignal | undefined
}

export type DelegatedSession = {
  sessionKey: { privateKey: WebCryptoKey; publicKey: Hex; keyType: SessionKeyType }
  delegation: SignedDelegation
  wallet: Address
  /** Milliseconds since the epoch. */
  expiresAt: number
  /** True when the stored session was reused: no wallet prompt happened. */
  reused: boolean
}

export type GetDelegatedSessionErrorType = WalletError

/**
 * The session key that signs this tab's results, delegated by the wallet. A stored session for
 * the same origin, chain and wallet with time left is reused, so a reload asks nothing of the
 * wallet. Otherwise: a fresh non-extractable WebCrypto key, a single-use nonce from the gateway,
 * ONE EIP-712 Delegation signed by the wallet, and the result stored until it expires.
 */
export async function getDelegatedSession(
  parameters: GetDelegatedSessionParameters,
): Promise<DelegatedSession> {
  const { wallet, chainId, origin, store, signal } = parameters
  const now = parameters.now ?? Date.now
  const id = sessionIdOf(origin, chainId, wallet)
  const minRemainingMs = (parameters.minRemainingSeconds ?? 600) * 1000
  const stored = await store.get(id)
  if (stored && stored.expiresAt - now() > minRemainingMs && matches(stored, parameters))
    return toSession(stored, true)

  signal?.throwIfAborted()
  const key = await generateKey(parameters.keyType)
  const nonce = await fetchDelegationNonce(parameters.baseUrl, signal)
  const issuedAt = Math.floor(now() / 1000)
  const delegation: Delegation = {
    wallet,
    sessionKey: key.publicKeyHex,
    keyType: key.keyType,
    origin,
    chainId,
    issuedAt,
    expiresAt: issuedAt + (parameters.lifetimeSeconds ?? 24 * 60 * 60),
    nonce,
  }
  signal?.throwIfAborted()
  let signature: Hex
  try {
    signature = await parameters.signTypedData(getDelegationTypedData(delegation))
  } catch (error) {
    throw toWalletError(error)
  }
  const session: StoredSession = {
    id,
    wallet,
    keyPair: key.keyPair,
    keyType: key.keyType,
    publicKeyHex: key.publicKeyHex,
    signed: { delegation, signature },
    expiresAt: delegation.expiresAt * 1000,
  }
  await store.put(session)
  return toSession(session, false)
}

function matches(stored: StoredSession, parameters: GetDelegatedSessionParameters): boolean {
  const { delegation } = stored.signed
  return (
    delegation.wallet.toLowerCase() === parameters.wallet.toLowerCase() &&
    delegation.chainId === parameters.chainId &&
    delegation.origin === parameters.origin
  )
}

function toSession(stored: StoredSession, reused: boolean): DelegatedSession {
  return {
    sessionKey: {
      privateKey: stored.keyPair.privateKey,
      publicKey: stored.publicKeyHex,
      keyType: stored.keyType,
    },
    delegation: stored.signed,
    wallet: stored.wallet,
    expiresAt: stored.expiresAt,
    reused,
  }
}

async function generateKey(keyType: SessionKeyType | undefined) {
  const order: SessionKeyType[] = keyType ? [keyType] : ['P-256', 'Ed25519']
  let lastError: unknown
  for (const type of order) {
    try {
      return { ...(await generateSessionKey(type)), keyType: type }
    } catch (error) {
      lastError = error
    }
  }
  throw lastError
}

async function fetchDelegationNonce(
  baseUrl: string,
  signal: AbortSignal | undefined,
): Promise<Hex> {
  const url = new URL('/v1/delegations/nonce', baseUrl).href
  let nonce: unknown
  try {
    const response = await fetch(url, { method: 'POST', signal: signal ?? null })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
    nonce = ((await response.json()) as { nonce?: unknown }).nonce
  } catch (error) {
    if (signal?.aborted) throw error
    throw new WalletError(`Could not get a delegation nonce from ${url}.`, {
      code: 'WALLET_NONCE_FAILED',
      details: { url },
      cause: error,
    })
  }
  if (typeof nonce !== 'string' || !/^0x[0-9a-f]{64}$/i.test(nonce))
    throw new WalletError(`${url} answered no nonce.`, {
      code: 'WALLET_NONCE_FAILED',
      details: { url },
    })
  return nonce as Hex
}

/** EIP-1193 4001 (and viem's UserRejectedRequestError wrapping it) means the person said no. */
export function toWalletError(error: unknown): WalletError {
  if (error instanceof WalletError) return error
  for (let e: unknown = error, depth = 0; e && depth < 8; depth++) {
    const { code, name, cause } = e as { code?: unknown; name?: unknown; cause?: unknown }
    if (code === 4001 || name === 'UserRejectedRequestError')
      return new WalletError(
        'The wallet declined to sign the delegation. Press Start to try again, or disconnect the wallet to contribute anonymously (earning nothing).',
        { code: 'WALLET_REJECTED', cause: error },
      )
    e = cause
  }
  return new WalletError(
    `The wallet could not sign the delegation: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    { code: 'WALLET_SIGNATURE_FAILED', cause: error },
  )
}
