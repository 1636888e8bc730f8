import { BaseError } from './BaseError'
import type { ErrorCodeOf } from './codes'

export type EncodeErrorCode = ErrorCodeOf<'EncodeError'>

export type EncodeErrorType = EncodeError & { name: 'EncodeError' }

/**
 * Our own code tried to send a message that breaks the protocol schema (a bug on this side).
 */
export class EncodeError extends BaseError<EncodeErrorCode> {
  override name = 'EncodeError' as const
}
