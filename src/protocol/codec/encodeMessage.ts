import { encode, rfc8949EncodeOptions } from 'cborg'
import { BaseError } from '../errors/BaseError'
import { DecodeError } from '../errors/DecodeError'
import { EncodeError } from '../errors/EncodeError'
import { InternalError } from '../errors/InternalError'
import type { TensorError } from '../errors/TensorError'
import { MAX_MESSAGE_BYTES } from '../limits'
import type { Message } from '../messages'
import { asPlainBytes } from '../utils/asPlainBytes'
import { messageToWire } from './messageToWire'

export type EncodeMessageOptions = {
  /** Refuse to produce more bytes than the receiver accepts. Default MAX_MESSAGE_BYTES. */
  maxBytes?: number | undefined
}

export type EncodeMessageErrorType = EncodeError | TensorError

/**
 * Encodes a work-protocol message as deterministic CBOR (RFC 8949 core deterministic encoding:
 * shortest integers, map keys in bytewise order, tensors as byte strings). The message is
 * validated with the same schema the decoder uses first, so an invalid message fails here, on
 * the side with the bug, rather than as a DecodeError on the peer.
 */
export function encodeMessage(message: Message, options: EncodeMessageOptions = {}): Uint8Array {
  const { maxBytes = MAX_MESSAGE_BYTES } = options
  const bytes = encodeWire(message)
  if (bytes.byteLength > maxBytes) {
    throw new EncodeError(`Encoded message of ${bytes.byteLength} bytes exceeds ${maxBytes}.`, {
      code: 'PROTOCOL_MESSAGE_TOO_LARGE',
      details: { byteLength: bytes.byteLength, maxBytes },
    })
  }
  return bytes
}

function encodeWire(message: Message): Uint8Array {
  try {
    return asPlainBytes(encode(messageToWire(message), rfc8949EncodeOptions))
  } catch (err) {
    // A schema violation is our bug, not a peer's: report it as such, keeping the field path.
    if (err instanceof DecodeError) {
      throw new EncodeError('The message does not satisfy the protocol schema.', {
        code: 'PROTOCOL_INVALID_MESSAGE',
        details: err.details,
        cause: err,
      })
    }
    if (err instanceof BaseError) throw err
    throw new InternalError('Unexpected failure while encoding a message.', {
      code: 'INTERNAL',
      cause: err,
    })
  }
}
