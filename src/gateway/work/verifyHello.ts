import { type Address, getAddress, type Hex, isHex } from 'viem'
import { getDelegationTypedData } from '../../protocol/eip712/getDelegationTypedData.ts'
import { importSessionPublicKey } from '../../protocol/eip712/importSessionPublicKey.ts'
import type { SessionKeyType } from '../../protocol/eip712/sessionKeyTypes.ts'
import { verifyDelegation } from '../../protocol/eip712/verifyDelegation.ts'
import { SignatureError } from '../../protocol/errors/SignatureError.ts'
import type { HelloMessage } from '../../protocol/messages.ts'
import type { WebCryptoKey } from '../../protocol/utils/WebCryptoKey.ts'
import type { DelegationNonces } from './DelegationNonces.ts'

export type VerifyHelloParameters = {
  hello: HelloMessage
  /** Web origins delegations may name (the grid's public URL, its dev server...). */
  allowedOrigins: readonly string[]
  chainId: number
  nonces: DelegationNonces
  /** Milliseconds since the epoch. */
  now: number
  maxDelegationLifetimeSeconds?: number | undefined
  /**
   * Verifies a smart-contract wallet's signature (ERC-1271, or ERC-6492 for a wallet not yet
   * deployed) through a chain RPC. Without it such delegations are refused with
   * DELEGATION_CONTRACT_WALLET_UNVERIFIABLE.
   */
  verifyContractSignature?: VerifyContractSignature | undefined
}

export type VerifyContractSignature = (parameters: {
  address: Address
  typedData: ReturnType<typeof getDelegationTypedData>
  signature: Hex
}) => Promise<boolean>

export type VerifiedHello = {
  /** Checksummed wallet address, or undefined for an anonymous worker. */
  wallet: Address | undefined
  partner: Address | undefined
  /** Imported once per session: verifying each result with it costs ~0.25 ms. */
  verifyKey: WebCryptoKey
  publicKey: Hex
  keyType: SessionKeyType
  /** The signed delegation as JSON, kept with the session for the ledger. */
  delegationJson: string | undefined
}

export type VerifyHelloErrorType = SignatureError

/**
 * Checks a hello at the boundary: the session key must import for its type, and a delegation, when
 * present, must be signed by its wallet for an allowed origin, this chain, now, with a nonce this
 * gateway issued and no other session key has used. Without a delegation the worker is anonymous:
 * it may work, and earns nothing for itself.
 */
export async function verifyHello(parameters: VerifyHelloParameters): Promise<VerifiedHello> {
  const { hello, allowedOrigins, chainId, nonces, now } = parameters
  const { publicKey, keyType } = hello.sessionKey
  const verifyKey = await importSessionPublicKey(publicKey, keyType)
  const signed = hello.delegation
  if (!signed) {
    return {
      wallet: undefined,
      partner: hello.partner,
      verifyKey,
      publicKey,
      keyType,
      delegationJson: undefined,
    }
  }
  const { delegation } = signed
  const nonceState = await nonces.check(delegation.nonce, publicKey, now)
  if (nonceState !== 'ok') {
    throw new SignatureError(nonceMessage[nonceState], {
      code: 'DELEGATION_NONCE_MISMATCH',
      details: { nonce: nonceState },
    })
  }
  const wallet = await verifyDelegation({
    delegation,
    signature: signed.signature,
    expected: {
      // verifyDelegation compares with one origin: the delegation's own when it is allowed.
      origin: allowedOrigins.includes(delegation.origin)
        ? delegation.origin
        : (allowedOrigins[0] ?? ''),
      chainId,
      now: Math.floor(now / 1000),
      nonce: delegation.nonce,
      maxLifetimeSeconds: parameters.maxDelegationLifetimeSeconds,
    },
  }).catch((error: unknown) =>
    // Every other check passed when the signature is what failed: try the contract-wallet path.
    error instanceof SignatureError && error.code === 'DELEGATION_INVALID_SIGNATURE'
      ? verifyContractWallet(signed, parameters.verifyContractSignature, error)
      : Promise.reject(error),
  )
  await nonces.bind(delegation.nonce, publicKey, delegation.expiresAt * 1000)
  return {
    wallet,
    partner: hello.partner,
    verifyKey,
    publicKey,
    keyType,
    delegationJson: JSON.stringify(signed),
  }
}

/** A signature an EOA cannot have made: not 65 bytes, or wrapped for ERC-6492. */
export function isContractWalletSignature(signature: Hex): boolean {
  if (!isHex(signature, { strict: true })) return false
  return signature.length !== 2 + 65 * 2 || signature.toLowerCase().endsWith(ERC6492_MAGIC)
}

const ERC6492_MAGIC = '6492649264926492649264926492649264926492649264926492649264926492'

async function verifyContractWallet(
  signed: NonNullable<HelloMessage['delegation']>,
  verify: VerifyContractSignature | undefined,
  eoaFailure: SignatureError,
): Promise<Address> {
  const { delegation, signature } = signed
  if (!verify) {
    if (!isContractWalletSignature(signature)) throw eoaFailure
    throw new SignatureError(
      'The delegation is signed by a smart-contract wallet, and this gateway cannot verify those: it has no RPC configured (--rpc-url). Connect an externally owned account (a key-based wallet) or ask the operator to configure an RPC.',
      {
        code: 'DELEGATION_CONTRACT_WALLET_UNVERIFIABLE',
        details: { wallet: delegation.wallet, signatureBytes: (signature.length - 2) / 2 },
      },
    )
  }
  let valid: boolean
  try {
    valid = await verify({
      address: delegation.wallet,
      typedData: getDelegationTypedData(delegation),
      signature,
    })
  } catch (error) {
    throw new SignatureError('The chain RPC could not check the smart-contract wallet signature.', {
      code: 'DELEGATION_INVALID_SIGNATURE',
      details: { wallet: delegation.wallet },
      cause: error,
    })
  }
  if (!valid) throw eoaFailure
  return getAddress(delegation.wallet)
}

const nonceMessage = {
  unknown: 'The delegation carries a nonce this gateway did not issue.',
  expired: 'The delegation’s nonce expired before its first use; sign a new delegation.',
  'bound-to-another-key': 'The delegation’s nonce was already used by another session key.',
} as const
