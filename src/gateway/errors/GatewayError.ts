import {
  BaseError,
  type BaseErrorParameters,
  type ErrorDetails,
} from '../../protocol/errors/BaseError.ts'
import type { ErrorCodeOf } from '../../protocol/errors/codes.ts'

/** Names of the gateway's error classes, as the one codes table (src/protocol/errors) lists them. */
export type GatewayErrorName =
  | 'ConfigError'
  | 'DatabaseOpenError'
  | 'SchemaTooNewError'
  | 'MigrationFailedError'
  | 'MigrationMismatchError'
  | 'DatabaseUnavailableError'
  | 'AppBuildFailedError'
  | 'ListenError'
  | 'HttpError'
  | 'RouteNotFoundError'
  | 'OperatorAuthError'
  | 'WorkSessionError'
  | 'ResultRejectedError'
  | 'JobFailedError'
  | 'ApiKeyError'
  | 'RateLimitError'
  | 'JobRequestError'
  | 'AuthError'
  | 'VerificationError'
  | 'LedgerAccessError'
  | 'LedgerQueryError'

/** The codes the gateway's own errors carry. */
export type GatewayErrorCode = ErrorCodeOf<GatewayErrorName>

export type GatewayErrorParameters<code extends GatewayErrorCode = GatewayErrorCode> =
  BaseErrorParameters<code> & {
    metaMessages?: readonly string[] | undefined
  }

export type GatewayErrorType = GatewayError & { name: 'GatewayError' }

/** The base of the gateway's errors: the protocol's BaseError narrowed to the gateway's codes. */
export class GatewayError<
  code extends GatewayErrorCode = GatewayErrorCode,
> extends BaseError<code> {
  override name = 'GatewayError'

  constructor(shortMessage: string, parameters: GatewayErrorParameters<code>) {
    const { metaMessages, ...rest } = parameters
    super(shortMessage, { ...rest, metaMessages: metaMessages ? [...metaMessages] : undefined })
  }
}

/** Drops undefined entries, which ErrorDetails cannot hold. */
export function definedDetails(
  details: Record<string, string | number | boolean | null | undefined>,
): ErrorDetails {
  return Object.fromEntries(
    Object.entries(details).filter(
      (entry): entry is [string, string | number | boolean | null] => entry[1] !== undefined,
    ),
  )
}
