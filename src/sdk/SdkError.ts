import { BaseError } from '../protocol/errors/BaseError.ts'
import type { ErrorCodeOf } from '../protocol/errors/codes.ts'

export type SdkErrorCode = ErrorCodeOf<'SdkError'>

export type SdkErrorType = SdkError & { name: 'SdkError' }

/**
 * A failure on the requester's side that the gateway never answered with a code of its own: the
 * gateway was unreachable or answered garbage, the caller aborted, a wait ran out, or an argument
 * was unusable. Errors the gateway did answer keep the gateway's code (see errorFromResponse).
 */
export class SdkError extends BaseError<SdkErrorCode> {
  override name = 'SdkError' as const
}
