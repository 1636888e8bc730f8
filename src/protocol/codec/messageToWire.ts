import { DecodeError } from '../errors/DecodeError'
import { type Message, PROTOCOL_VERSION } from '../messages'
import { malformed } from './fieldCodecs'
import { isMessageType, messageSchemas } from './messageSchemas'

/** Validates an in-memory message and returns the value cborg encodes (see messageSchemas). */
export function messageToWire(message: Message): Map<string, unknown> {
  if (typeof message !== 'object' || message === null) malformed('message', 'expected an object')
  const { v, type, ...body } = message
  if (v !== PROTOCOL_VERSION) {
    throw new DecodeError(`Unsupported protocol version ${String(v)}.`, {
      code: 'PROTOCOL_UNSUPPORTED_VERSION',
      details: { supported: PROTOCOL_VERSION },
    })
  }
  if (!isMessageType(type)) {
    throw new DecodeError(`Unknown message type ${String(type).slice(0, 32)}.`, {
      code: 'PROTOCOL_UNKNOWN_TYPE',
    })
  }
  const fields = messageSchemas[type].toWire(body, type) as Map<string, unknown>
  return new Map<string, unknown>([['v', PROTOCOL_VERSION], ['t', type], ...fields])
}
