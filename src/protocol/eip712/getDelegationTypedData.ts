import type { Address } from 'viem'
import { createGridDomain, type GridDomain } from './createGridDomain'
import { type Delegation, delegationTypes } from './delegationTypes'

export type GetDelegationTypedDataOptions = {
  verifyingContract?: Address | undefined
}

export type GetDelegationTypedDataReturnType = {
  domain: GridDomain
  types: typeof delegationTypes
  primaryType: 'Delegation'
  message: {
    wallet: Delegation['wallet']
    sessionKey: Delegation['sessionKey']
    keyType: string
    origin: string
    chainId: bigint
    issuedAt: bigint
    expiresAt: bigint
    nonce: Delegation['nonce']
  }
}

/**
 * The full typed-data object for a delegation, ready for wagmi/viem `signTypedData` and for
 * verification. The domain's chain id is the delegation's own, so a wallet on another chain
 * produces a signature that cannot verify here.
 */
export function getDelegationTypedData(
  delegation: Delegation,
  options: GetDelegationTypedDataOptions = {},
): GetDelegationTypedDataReturnType {
  const { verifyingContract } = options
  return {
    domain: createGridDomain({ chainId: delegation.chainId, verifyingContract }),
    types: delegationTypes,
    primaryType: 'Delegation',
    message: {
      wallet: delegation.wallet,
      sessionKey: delegation.sessionKey,
      keyType: delegation.keyType,
      origin: delegation.origin,
      chainId: BigInt(delegation.chainId),
      issuedAt: BigInt(delegation.issuedAt),
      expiresAt: BigInt(delegation.expiresAt),
      nonce: delegation.nonce,
    },
  }
}
