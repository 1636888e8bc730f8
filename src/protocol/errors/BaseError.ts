import { type ErrorCode, errorCodes } from './codes'

/**
 * Structured, wire-safe facts about a failure (which field, which limit). Flat primitives only, so
 * they survive CBOR, JSON and structured clone unchanged.
 */
export type ErrorDetails = Readonly<Record<string, string | number | boolean | null>>

export type BaseErrorParameters<code extends ErrorCode = ErrorCode> = {
  code: code
  cause?: unknown
  details?: ErrorDetails | undefined
  metaMessages?: string[] | undefined
}

export type BaseErrorType = BaseError & { name: 'BaseError' }

/**
 * The one error base class (after viem's): a human `shortMessage`, extra `metaMessages` lines, a
 * `cause` chain with `walk()`, plus what viem lacks and we need across process boundaries: a stable
 * `code` from the codes table and structured `details`. Subclasses only set a literal `name`.
 */
export class BaseError<code extends ErrorCode = ErrorCode> extends Error {
  override name = 'BaseError'
  readonly code: code
  readonly shortMessage: string
  readonly details: ErrorDetails
  readonly metaMessages: readonly string[]

  constructor(shortMessage: string, parameters: BaseErrorParameters<code>) {
    const { code, cause, details = {}, metaMessages = [] } = parameters
    super(composeMessage(shortMessage, code, metaMessages, cause), { cause })
    this.code = code
    this.shortMessage = shortMessage
    this.details = details
    this.metaMessages = metaMessages
  }

  /** HTTP status the gateway answers with when this error reaches a requester. */
  get httpStatus(): number {
    return errorCodes[this.code].httpStatus
  }

  /**
   * Follows the cause chain: without `fn`, returns the deepest cause; with `fn`, the first error
   * (this one included) for which it returns true, or null.
   */
  walk(fn?: (err: unknown) => boolean): unknown {
    return walk(this, fn)
  }
}

// Bounded so a cyclic cause chain cannot loop forever.
const MAX_CAUSE_DEPTH = 32

function walk(err: unknown, fn: ((err: unknown) => boolean) | undefined): unknown {
  let current = err
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
    if (fn?.(current)) return current
    const cause = causeOf(current)
    if (cause === undefined) break
    current = cause
  }
  return fn ? null : current
}

function causeOf(err: unknown): unknown {
  if (typeof err !== 'object' || err === null || !('cause' in err)) return undefined
  return err.cause
}

function composeMessage(
  shortMessage: string,
  code: ErrorCode,
  metaMessages: readonly string[],
  cause: unknown,
): string {
  const lines = [shortMessage]
  if (metaMessages.length > 0) lines.push('', ...metaMessages)
  const causeMessage = messageOf(cause)
  if (causeMessage) lines.push('', `Cause: ${causeMessage}`)
  lines.push('', `Code: ${code}`)
  return lines.join('\n')
}

function messageOf(cause: unknown): string | undefined {
  if (cause instanceof BaseError) return cause.shortMessage
  if (cause instanceof Error) return cause.message
  return undefined
}
