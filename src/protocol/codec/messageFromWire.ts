import { DecodeError } from '../errors/DecodeError'
import { type Message, PROTOCOL_VERSION } from '../messages'
import { malformed } from './fieldCodecs'
import { isMessageType, messageSchemas } from './messageSchemas'

/** Validates a decoded CBOR value as a message: version first, then type, then every field. */
export function messageFromWire(wire: unknown): Message {
  if (!(wire instanceof Map)) malformed('message', 'expected a CBOR map')
  const version = wire.get('v')
  if (version === undefined) malformed('message.v', 'missing')
  if (version !== PROTOCOL_VERSION) {
    throw new DecodeError(`Unsupported protocol version ${describeValue(version)}.`, {
      code: 'PROTOCOL_UNSUPPORTED_VERSION',
      details: { version: describeValue(version), supported: PROTOCOL_VERSION },
    })
  }
  const type = wire.get('t')
  if (!isMessageType(type)) {
    throw new DecodeError(`Unknown message type ${describeValue(type)}.`, {
      code: 'PROTOCOL_UNKNOWN_TYPE',
      details: { type: describeValue(type) },
    })
  }
  const body = new Map(wire)
  body.delete('v')
  body.delete('t')
  const fields = messageSchemas[type].fromWire(body, type)
  return { v: PROTOCOL_VERSION, type, ...fields } as Message
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 32))
  if (typeof value === 'number' || typeof value === 'bigint') return String(value)
  return typeof value
}
