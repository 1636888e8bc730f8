import { BaseError } from './BaseError'
import type { ErrorCodeOf } from './codes'

export type JobErrorCode = ErrorCodeOf<'JobError'>

export type JobErrorType = JobError & { name: 'JobError' }

/**
 * A worker could not run a job; sent back in an `error` message so the gateway can requeue it
 * (or stop offering that model to that worker).
 */
export class JobError extends BaseError<JobErrorCode> {
  override name = 'JobError' as const
}
