import type { Hex } from 'viem'
import type { ResultMessage } from '../messages'
import type { ResultClaim } from './resultTypes'

export type ResultClaimSource = Pick<
  ResultMessage,
  'jobId' | 'inputHash' | 'outputHash' | 'backend' | 'timings'
>

export type ResultClaimFromMessageParameters = {
  /** The job's model id, as the signer (worker) or verifier (gateway's job record) knows it. */
  modelId: Hex
  /** Raw public key of the session key that signs. */
  sessionKey: Hex
}

/**
 * The claim a worker signs and the gateway verifies for a result message. Both sides call this,
 * so the millisecond timings are turned into whole microseconds the same way on both. The
 * gateway must pass the model id from its own job record, never one the worker supplied.
 */
export function resultClaimFromMessage(
  message: ResultClaimSource,
  parameters: ResultClaimFromMessageParameters,
): ResultClaim {
  return {
    jobId: message.jobId,
    modelId: parameters.modelId,
    inputHash: message.inputHash,
    outputHash: message.outputHash,
    backend: message.backend,
    inferenceUs: toMicroseconds(message.timings.inferenceMs),
    totalUs: toMicroseconds(message.timings.totalMs),
    sessionKey: parameters.sessionKey,
  }
}

/** Milliseconds (possibly fractional) to whole microseconds; exact and identical everywhere. */
export function toMicroseconds(ms: number): number {
  return Math.round(ms * 1000)
}
