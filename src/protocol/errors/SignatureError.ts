import { BaseError } from './BaseError'
import type { ErrorCodeOf } from './codes'

export type SignatureErrorCode = ErrorCodeOf<'SignatureError'>

export type SignatureErrorType = SignatureError & { name: 'SignatureError' }

/**
 * A delegation or result signature cannot be accepted. Each code says what to fix: sign a new
 * delegation (expired, not yet valid, too long), switch origin or chain, or reject the worker.
 */
export class SignatureError extends BaseError<SignatureErrorCode> {
  override name = 'SignatureError' as const
}
