import { BaseError } from './BaseError.ts'
import type { ErrorCodeOf } from './codes.ts'

export type WidgetErrorCode = ErrorCodeOf<'WidgetError'>

export type WidgetErrorType = WidgetError & { name: 'WidgetError' }

/**
 * The partner widget or its /embed page refused its configuration: a partner address without a
 * valid EIP-55 checksum, an option out of range, or an /embed page not framed by the origin it
 * names. The message says what to change in the snippet.
 */
export class WidgetError extends BaseError<WidgetErrorCode> {
  override name = 'WidgetError' as const
}
