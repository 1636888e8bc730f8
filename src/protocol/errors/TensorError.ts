import { BaseError } from './BaseError'
import type { ErrorCodeOf } from './codes'

export type TensorErrorCode = ErrorCodeOf<'TensorError'>

export type TensorErrorType = TensorError & { name: 'TensorError' }

/**
 * A tensor's dtype, dims, bytes or name are invalid, or a tensor map is too large.
 */
export class TensorError extends BaseError<TensorErrorCode> {
  override name = 'TensorError' as const
}
