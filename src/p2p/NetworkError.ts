import { BaseError } from '../protocol/errors/BaseError.ts'
import type { ErrorCodeOf } from '../protocol/errors/codes.ts'

export type NetworkErrorCode = ErrorCodeOf<'NetworkError'>

export type NetworkErrorType = NetworkError & { name: 'NetworkError' }

/**
 * The browser worker could not reach the grid: bootstrap (GET /v1/network) failed, the gateway
 * advertises nothing dialable, or every address failed. The worker loop retries with backoff;
 * the UI shows the message.
 */
export class NetworkError extends BaseError<NetworkErrorCode> {
  override name = 'NetworkError' as const
}
