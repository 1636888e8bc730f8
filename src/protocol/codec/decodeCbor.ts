import { type DecodeOptions, decodeFirst, type Token, Tokenizer } from 'cborg'
import { BaseError } from '../errors/BaseError'
import { DecodeError } from '../errors/DecodeError'
import { MAX_CBOR_DEPTH, MAX_CBOR_ITEMS } from '../limits'
import { asPlainBytes } from '../utils/asPlainBytes'

/**
 * The CBOR subset the protocol accepts. Strict: integers and lengths in their shortest form; no
 * undefined, NaN, Infinity, indefinite lengths or tags (no tag decoders are registered); maps
 * come back as Map so no key can touch an object prototype, and repeated keys are rejected.
 * Integers beyond 2^53 come back as bigint (only credit amounts may be that large).
 */
const decodeOptions: DecodeOptions = {
  strict: true,
  allowIndefinite: false,
  allowUndefined: false,
  coerceUndefinedToNull: false,
  allowNaN: false,
  allowInfinity: false,
  allowBigInt: true,
  useMaps: true,
  rejectDuplicateMapKeys: true,
  tags: [],
}

export type DecodeCborOptions = { maxBytes: number }

/**
 * Decodes exactly one CBOR data item filling `bytes`, within size, depth and item limits, and
 * translates every failure into a DecodeError with a specific code.
 */
export function decodeCbor(bytes: Uint8Array, options: DecodeCborOptions): unknown {
  assertInput(bytes, options.maxBytes)
  const data = asPlainBytes(bytes)
  const tokenizer = new LimitedTokenizer(data, decodeOptions)
  let value: unknown
  let rest: Uint8Array
  try {
    ;[value, rest] = decodeFirst(data, { ...decodeOptions, tokenizer })
  } catch (err) {
    throw translate(err, tokenizer.reachedEnd)
  }
  if (rest.length > 0) {
    throw new DecodeError('Bytes follow the end of the message.', {
      code: 'PROTOCOL_TRAILING_BYTES',
      details: { trailingBytes: rest.length },
    })
  }
  return value
}

function assertInput(bytes: unknown, maxBytes: number): asserts bytes is Uint8Array {
  if (!(bytes instanceof Uint8Array)) {
    throw new DecodeError('Messages must be given as a Uint8Array.', {
      code: 'PROTOCOL_INVALID_CBOR',
    })
  }
  // Before parsing: the cost of rejecting must not depend on what the bytes say.
  if (bytes.byteLength > maxBytes) {
    throw new DecodeError(`Message of ${bytes.byteLength} bytes exceeds ${maxBytes} bytes.`, {
      code: 'PROTOCOL_OVERSIZED',
      details: { byteLength: bytes.byteLength, maxBytes },
    })
  }
  if (bytes.byteLength === 0) {
    throw new DecodeError('The message is empty.', { code: 'PROTOCOL_TRUNCATED' })
  }
}

// cborg reports everything as a plain Error; these fragments of its messages name the cases that
// have their own code. Anything else is PROTOCOL_INVALID_CBOR, so a cborg wording change can only
// make a code less specific, never let bad input through.
function translate(err: unknown, reachedEnd: boolean): BaseError {
  if (err instanceof BaseError) return err
  const reason = err instanceof Error ? err.message.slice(0, 200) : 'unknown'
  if (reachedEnd || reason.includes('not enough data')) {
    return new DecodeError('The input ends before the message is complete.', {
      code: 'PROTOCOL_TRUNCATED',
      details: { reason },
      cause: err,
    })
  }
  if (reason.includes('repeat map key')) {
    return new DecodeError('A CBOR map repeats a key.', {
      code: 'PROTOCOL_DUPLICATE_KEY',
      details: { reason },
      cause: err,
    })
  }
  return new DecodeError('The bytes are not CBOR in the accepted subset.', {
    code: 'PROTOCOL_INVALID_CBOR',
    details: { reason },
    cause: err,
  })
}

/**
 * cborg's tokenizer plus bounds: cborg decodes nested containers recursively, so without a depth
 * limit a few kilobytes of 0x81 bytes would overflow the stack; and an item limit keeps a message
 * of millions of tiny items from building a huge object graph. It also notes when the decoder
 * asked for more input than there is, which is how truncation is told from other errors.
 */
class LimitedTokenizer {
  readonly #inner: Tokenizer
  // Items still expected by each open container, innermost last.
  readonly #open: number[] = []
  #items = 0
  reachedEnd = false

  constructor(bytes: Uint8Array, options: DecodeOptions) {
    this.#inner = new Tokenizer(bytes, options)
  }

  done(): boolean {
    const done = this.#inner.done()
    if (done) this.reachedEnd = true
    return done
  }

  pos(): number {
    return this.#inner.pos()
  }

  next(): Token {
    if (++this.#items > MAX_CBOR_ITEMS) throw tooComplex('items', MAX_CBOR_ITEMS)
    const token = this.#inner.next()
    const last = this.#open.length - 1
    if (last >= 0) this.#open[last] = (this.#open[last] ?? 0) - 1
    const children = childCount(token)
    if (children > 0) {
      this.#open.push(children)
      if (this.#open.length > MAX_CBOR_DEPTH) throw tooComplex('depth', MAX_CBOR_DEPTH)
    }
    while (this.#open.length > 0 && this.#open[this.#open.length - 1] === 0) this.#open.pop()
    return token
  }
}

function childCount(token: Token): number {
  const count = typeof token.value === 'number' ? token.value : 0
  switch (token.type.name) {
    case 'array':
      return count
    case 'map':
      return count * 2
    case 'tag':
      return 1
    default:
      return 0
  }
}

function tooComplex(limit: 'items' | 'depth', max: number): DecodeError {
  return new DecodeError(`The message exceeds the CBOR ${limit} limit of ${max}.`, {
    code: 'PROTOCOL_TOO_COMPLEX',
    details: { limit, max },
  })
}
