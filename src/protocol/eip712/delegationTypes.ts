import type { Address, Hex } from 'viem'
import type { SessionKeyType } from './sessionKeyTypes'

/**
 * EIP-712 types of the one message a wallet signs per session: "this session key may sign
 * results for me on this origin and chain, between these times". The nonce is single-use and
 * issued by the gateway, so a captured delegation cannot be replayed into a new session.
 */
export const delegationTypes = {
  Delegation: [
    { name: 'wallet', type: 'address' },
    { name: 'sessionKey', type: 'bytes' },
    { name: 'keyType', type: 'string' },
    { name: 'origin', type: 'string' },
    { name: 'chainId', type: 'uint256' },
    { name: 'issuedAt', type: 'uint64' },
    { name: 'expiresAt', type: 'uint64' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const

/** A delegation as the protocol carries it. Times are UNIX seconds. */
export type Delegation = {
  wallet: Address
  /** Raw session public key (see sessionKeyTypes for the format). */
  sessionKey: Hex
  keyType: SessionKeyType
  /** The grid's web origin the session runs on, e.g. `https://grid.example`. */
  origin: string
  chainId: number
  issuedAt: number
  expiresAt: number
  /** 32 bytes, issued by the gateway for this session. */
  nonce: Hex
}

/** A delegation together with the wallet's EIP-712 signature over it. */
export type SignedDelegation = {
  delegation: Delegation
  signature: Hex
}
