import { GatewayError } from './GatewayError.ts'

export type LedgerQueryErrorType = LedgerQueryError & { name: 'LedgerQueryError' }

/** A ledger route's query parameter is malformed; the message names it and what it accepts. */
export class LedgerQueryError extends GatewayError<'LEDGER_INVALID_QUERY'> {
  override name = 'LedgerQueryError' as const
}
