import { GatewayError } from './GatewayError.ts'

export type VerificationErrorType = VerificationError & { name: 'VerificationError' }

/** The verifier could not judge a result (the model cannot be re-run) or a job (no majority). */
export class VerificationError extends GatewayError<
  'VERIFICATION_UNAVAILABLE' | 'VERIFICATION_FAILED'
> {
  override name = 'VerificationError' as const
}

export type LedgerAccessErrorType = LedgerAccessError & { name: 'LedgerAccessError' }

/** A ledger route was asked without the wallet's sign-in session or the operator token. */
export class LedgerAccessError extends GatewayError<'LEDGER_UNAUTHORIZED'> {
  override name = 'LedgerAccessError' as const
}
