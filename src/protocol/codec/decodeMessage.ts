import { BaseError } from '../errors/BaseError'
import type { DecodeError } from '../errors/DecodeError'
import { InternalError } from '../errors/InternalError'
import type { TensorError } from '../errors/TensorError'
import { MAX_MESSAGE_BYTES } from '../limits'
import type { Message } from '../messages'
import { decodeCbor } from './decodeCbor'
import { messageFromWire } from './messageFromWire'

export type DecodeMessageOptions = {
  /** Largest input accepted, checked before parsing. Default MAX_MESSAGE_BYTES (32 MiB). */
  maxBytes?: number | undefined
}

export type DecodeMessageErrorType = DecodeError | TensorError

/**
 * Decodes and fully validates one work-protocol message: size first, then CBOR structure (one
 * item, nothing after it, accepted subset only), then version, type and every field, including
 * tensor dims against byte lengths. Whatever the bytes, it returns a valid Message or throws a
 * BaseError subclass; the result can be trusted field by field without further checks.
 */
export function decodeMessage(bytes: Uint8Array, options: DecodeMessageOptions = {}): Message {
  const { maxBytes = MAX_MESSAGE_BYTES } = options
  try {
    return messageFromWire(decodeCbor(bytes, { maxBytes }))
  } catch (err) {
    if (err instanceof BaseError) throw err
    // Unreachable by design (the fuzz tests check that); kept so the contract holds regardless.
    throw new InternalError('Unexpected failure while decoding a message.', {
      code: 'INTERNAL',
      cause: err,
    })
  }
}
