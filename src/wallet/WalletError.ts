import { BaseError } from '../protocol/errors/BaseError.ts'
import type { ErrorCodeOf } from '../protocol/errors/codes.ts'

export type WalletErrorCode = ErrorCodeOf<'WalletError'>

export type WalletErrorType = WalletError & { name: 'WalletError' }

/**
 * Connecting the contributor's wallet or delegating a session key failed. Each code says what the
 * person can do: retry (rejected), connect or switch (not connected, wrong chain), or ask the
 * operator (origin not allowed, gateway unreachable).
 */
export class WalletError extends BaseError<WalletErrorCode> {
  override name = 'WalletError' as const
}
