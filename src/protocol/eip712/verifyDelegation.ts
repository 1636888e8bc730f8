import {
  type Address,
  getAddress,
  type Hex,
  hexToBytes,
  isAddress,
  isAddressEqual,
  isHex,
  recoverTypedDataAddress,
} from 'viem'
import { SignatureError, type SignatureErrorCode } from '../errors/SignatureError'
import type { Delegation } from './delegationTypes'
import { getDelegationTypedData } from './getDelegationTypedData'
import { isRawPublicKeyShape, isSessionKeyType } from './sessionKeyTypes'

/** Longest delegation accepted unless the gateway configures otherwise: 7 days. */
export const DEFAULT_MAX_DELEGATION_LIFETIME_SECONDS = 7 * 24 * 60 * 60
/** Clock difference tolerated between a browser and the gateway. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 60

export type VerifyDelegationParameters = {
  delegation: Delegation
  /** The wallet's EIP-712 signature over the delegation. */
  signature: Hex
  expected: {
    origin: string
    chainId: number
    /** The current time in UNIX seconds (not milliseconds). */
    now: number
    /** The single-use nonce the gateway issued for this session, when it tracks one. */
    nonce?: Hex | undefined
    maxLifetimeSeconds?: number | undefined
    clockSkewSeconds?: number | undefined
    verifyingContract?: Address | undefined
  }
}

export type VerifyDelegationReturnType = Address

export type VerifyDelegationErrorType = SignatureError

/**
 * Checks a wallet's delegation to a session key and returns the wallet address (checksummed).
 * Cheap checks run first (shape, chain, origin, nonce, lifetime, validity window) so a flood of
 * junk costs no signature recovery (~1.8 ms each); then the signer must be `delegation.wallet`.
 * Each failure throws a SignatureError whose code says what to fix. Only EOA signatures verify;
 * smart-contract wallets (ERC-1271) would need a chain client.
 */
export async function verifyDelegation(
  parameters: VerifyDelegationParameters,
): Promise<VerifyDelegationReturnType> {
  const { delegation, signature, expected } = parameters
  assertShape(delegation)
  assertContext(delegation, expected)
  assertValidity(delegation, expected)
  const typedData = getDelegationTypedData(delegation, {
    verifyingContract: expected.verifyingContract,
  })
  const signer = await recoverSigner(typedData, signature)
  if (!signer || !isAddressEqual(signer, delegation.wallet)) {
    fail('DELEGATION_INVALID_SIGNATURE', 'The delegation was not signed by its wallet.', {
      wallet: delegation.wallet,
      signer: signer ?? null,
    })
  }
  return getAddress(delegation.wallet)
}

type Details = Record<string, string | number | boolean | null>

function fail(code: SignatureErrorCode, message: string, details: Details = {}): never {
  throw new SignatureError(message, { code, details })
}

function assertShape(delegation: Delegation): void {
  const { wallet, sessionKey, keyType, issuedAt, expiresAt, nonce } = delegation
  if (!isAddress(wallet)) fail('DELEGATION_MALFORMED', 'The delegation wallet is not an address.')
  if (!isSessionKeyType(keyType)) {
    fail('DELEGATION_MALFORMED', 'The delegation names an unknown key type.', {
      keyType: String(keyType),
    })
  }
  if (
    !isHex(sessionKey, { strict: true }) ||
    !isRawPublicKeyShape(hexToBytes(sessionKey), keyType)
  ) {
    fail('DELEGATION_MALFORMED', `The delegated key is not a raw ${keyType} public key.`)
  }
  if (!isHex(nonce, { strict: true }) || nonce.length !== 66) {
    fail('DELEGATION_MALFORMED', 'The delegation nonce is not 32 bytes.')
  }
  if (!Number.isSafeInteger(issuedAt) || !Number.isSafeInteger(expiresAt) || issuedAt < 0) {
    fail('DELEGATION_MALFORMED', 'Delegation times must be whole UNIX seconds.')
  }
  if (expiresAt <= issuedAt) {
    fail('DELEGATION_MALFORMED', 'The delegation expires before it is issued.', {
      issuedAt,
      expiresAt,
    })
  }
}

function assertContext(delegation: Delegation, expected: VerifyDelegationParameters['expected']) {
  if (delegation.chainId !== expected.chainId) {
    fail('DELEGATION_WRONG_CHAIN', `The delegation is for chain ${delegation.chainId}.`, {
      chainId: delegation.chainId,
      expectedChainId: expected.chainId,
    })
  }
  if (delegation.origin !== expected.origin) {
    fail('DELEGATION_WRONG_ORIGIN', 'The delegation was signed for another origin.', {
      origin: delegation.origin.slice(0, 256),
      expectedOrigin: expected.origin,
    })
  }
  if (
    expected.nonce !== undefined &&
    delegation.nonce.toLowerCase() !== expected.nonce.toLowerCase()
  ) {
    fail('DELEGATION_NONCE_MISMATCH', 'The delegation does not carry the issued nonce.')
  }
}

function assertValidity(delegation: Delegation, expected: VerifyDelegationParameters['expected']) {
  const {
    now,
    maxLifetimeSeconds = DEFAULT_MAX_DELEGATION_LIFETIME_SECONDS,
    clockSkewSeconds = DEFAULT_CLOCK_SKEW_SECONDS,
  } = expected
  const { issuedAt, expiresAt } = delegation
  if (expiresAt - issuedAt > maxLifetimeSeconds) {
    fail('DELEGATION_LIFETIME_TOO_LONG', 'The delegation is valid for too long.', {
      lifetimeSeconds: expiresAt - issuedAt,
      maxLifetimeSeconds,
    })
  }
  if (issuedAt > now + clockSkewSeconds) {
    fail('DELEGATION_NOT_YET_VALID', 'The delegation is issued in the future.', { issuedAt, now })
  }
  if (expiresAt <= now - clockSkewSeconds) {
    fail('DELEGATION_EXPIRED', 'The delegation has expired.', { expiresAt, now })
  }
}

async function recoverSigner(
  typedData: ReturnType<typeof getDelegationTypedData>,
  signature: Hex,
): Promise<Address | undefined> {
  try {
    return await recoverTypedDataAddress({ ...typedData, signature })
  } catch {
    // A signature that is not even a valid secp256k1 signature is just an invalid signature.
    return undefined
  }
}
