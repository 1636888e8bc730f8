import type { ErrorDetails } from '../../protocol/errors/BaseError.ts'
import { GatewayError } from './GatewayError.ts'

export type ApiKeyErrorType = ApiKeyError & { name: 'ApiKeyError' }

/** The request has no API key, or one the gateway does not know (or has revoked). */
export class ApiKeyError extends GatewayError<'API_KEY_MISSING' | 'API_KEY_INVALID'> {
  override name = 'ApiKeyError' as const

  static missing(): ApiKeyError {
    return new ApiKeyError(
      'This route needs an API key: send it as "Authorization: Bearer <key>".',
      {
        code: 'API_KEY_MISSING',
      },
    )
  }

  static invalid(): ApiKeyError {
    return new ApiKeyError('The API key is unknown or has been revoked.', {
      code: 'API_KEY_INVALID',
    })
  }
}

export type RateLimitErrorType = RateLimitError & { name: 'RateLimitError' }

export type RateLimitErrorCode =
  | 'RATE_LIMITED'
  | 'QUOTA_EXCEEDED'
  | 'IP_RATE_LIMITED'
  | 'REQUESTER_QUEUE_FULL'

/**
 * Too many requests or jobs for one API key (or, on routes without a key, from one IP address).
 * `retryAfterS` becomes the Retry-After header.
 */
export class RateLimitError extends GatewayError<RateLimitErrorCode> {
  override name = 'RateLimitError' as const
  readonly retryAfterS: number

  constructor(
    code: RateLimitErrorCode,
    shortMessage: string,
    { retryAfterS, details }: { retryAfterS: number; details?: ErrorDetails },
  ) {
    super(shortMessage, { code, details: { ...details, retryAfterS } })
    this.retryAfterS = retryAfterS
  }
}

export type JobRequestErrorCode =
  | 'JOB_REQUEST_INVALID'
  | 'JOB_UNKNOWN_MODEL'
  | 'JOB_INPUT_MISMATCH'
  | 'JOB_TOO_LARGE'
  | 'JOB_NOT_FOUND'
  | 'JOB_NOT_CANCELLABLE'

export type JobRequestErrorType = JobRequestError & { name: 'JobRequestError' }

/** A requester's job request (or a question about a job) the gateway refuses. */
export class JobRequestError extends GatewayError<JobRequestErrorCode> {
  override name = 'JobRequestError' as const

  constructor(code: JobRequestErrorCode, shortMessage: string, details?: ErrorDetails) {
    super(shortMessage, { code, details })
  }
}
