import type { ErrorDetails } from '../../protocol/errors/BaseError.ts'
import { GatewayError } from './GatewayError.ts'

export type WorkSessionErrorCode =
  | 'WORK_HELLO_REQUIRED'
  | 'WORK_HELLO_TIMEOUT'
  | 'WORK_UNEXPECTED_MESSAGE'
  | 'WORK_PEER_TIMEOUT'
  | 'WORK_SESSION_REPLACED'
  | 'WORK_GATEWAY_STOPPING'
  | 'WORK_WORKER_DISCONNECTED'
  | 'WORK_IDENTITY_SUSPENDED'
  | 'WORK_RATE_LIMITED'
  | 'WORK_SESSION_LIMIT'

export type WorkSessionErrorType = WorkSessionError & { name: 'WorkSessionError' }

/**
 * A worker's work stream broke a session rule, or the gateway ends the session. Sent to the worker
 * as an `error` message without a job id, after which the gateway closes the stream.
 */
export class WorkSessionError extends GatewayError<WorkSessionErrorCode> {
  override name = 'WorkSessionError' as const
}

export type ResultRejectedErrorCode =
  | 'RESULT_NOT_LEASED'
  | 'RESULT_REPLAYED'
  | 'RESULT_INPUT_MISMATCH'
  | 'RESULT_HASH_MISMATCH'
  | 'RESULT_OUTPUT_INVALID'
  | 'RESULT_TOO_LARGE'

export type ResultRejectedErrorType = ResultRejectedError & { name: 'ResultRejectedError' }

/** The gateway did not accept a result; its code goes back to the worker in a negative `ack`. */
export class ResultRejectedError extends GatewayError<ResultRejectedErrorCode> {
  override name = 'ResultRejectedError' as const

  constructor(code: ResultRejectedErrorCode, shortMessage: string, details?: ErrorDetails) {
    super(shortMessage, { code, details })
  }
}

export type JobFailedErrorType = JobFailedError & { name: 'JobFailedError' }

/** A job's terminal failure, as stored with the job and shown to its requester. */
export class JobFailedError extends GatewayError<'JOB_ATTEMPTS_EXHAUSTED'> {
  override name = 'JobFailedError' as const
}
