import { BaseError } from '../../protocol/errors/BaseError.ts'
import type { ErrorCodeOf } from '../../protocol/errors/codes.ts'

export type DashboardErrorCode = ErrorCodeOf<'DashboardError'>

export type DashboardErrorType = DashboardError & { name: 'DashboardError' }

/** The dashboard could not talk to the gateway, or signing in did not complete. */
export class DashboardError extends BaseError<DashboardErrorCode> {
  override name = 'DashboardError' as const
}
