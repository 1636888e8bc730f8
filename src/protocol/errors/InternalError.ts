import { BaseError } from './BaseError'
import type { ErrorCodeOf } from './codes'

export type InternalErrorCode = ErrorCodeOf<'InternalError'>

export type InternalErrorType = InternalError & { name: 'InternalError' }

/**
 * An unexpected failure, and the class a serialized error with an unknown code is rebuilt as.
 */
export class InternalError extends BaseError<InternalErrorCode> {
  override name = 'InternalError' as const
}
