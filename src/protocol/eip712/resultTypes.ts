import type { Hex } from 'viem'
import type { Backend } from '../messages'

/**
 * EIP-712 types of what a session key signs for each result. Durations are whole microseconds:
 * integers (EIP-712 has no floats) fine enough for sub-millisecond models, and uint64 so that no
 * plausible job length overflows (uint32 microseconds would stop at 71 minutes). The session key
 * itself is part of the statement, so a signature cannot be attributed to another delegation.
 */
export const resultTypes = {
  Result: [
    { name: 'jobId', type: 'string' },
    { name: 'modelId', type: 'bytes32' },
    { name: 'inputHash', type: 'bytes32' },
    { name: 'outputHash', type: 'bytes32' },
    { name: 'backend', type: 'string' },
    { name: 'inferenceUs', type: 'uint64' },
    { name: 'totalUs', type: 'uint64' },
    { name: 'sessionKey', type: 'bytes' },
  ],
} as const

/** The signed statement about one result (build it with resultClaimFromMessage). */
export type ResultClaim = {
  jobId: string
  /** sha256 of the model bytes. */
  modelId: Hex
  inputHash: Hex
  outputHash: Hex
  backend: Backend
  inferenceUs: number
  totalUs: number
  /** Raw public key of the signing session key. */
  sessionKey: Hex
}
