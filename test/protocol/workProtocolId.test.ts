import { decode } from 'cborg'
import { describe, expect, test } from 'vitest'
import {
  encodeMessage,
  messageSchemas,
  PROTOCOL_VERSION,
  WORK_PROTOCOL_ID,
  workProtocolId,
} from '../../src/protocol/index'
import { fixtureMessages } from './fixtures'

describe('workProtocolId', () => {
  test('default', () => {
    expect(WORK_PROTOCOL_ID).toBe('/inference-grid/work/1.0.0')
    expect(workProtocolId(2)).toBe('/inference-grid/work/2.0.0')
    expect(workProtocolId()).toBe(`/inference-grid/work/${PROTOCOL_VERSION}.0.0`)
  })
})

describe('messageSchemas', () => {
  test('behavior: body keys never collide with the envelope keys v and t', () => {
    for (const message of Object.values(fixtureMessages)) {
      const wire = decode(encodeMessage(message), { useMaps: true }) as Map<string, unknown>
      const bodyFields = Object.keys(message).filter((key) => key !== 'v' && key !== 'type')
      expect(wire.size, message.type).toBe(2 + bodyFields.length)
    }
  })

  test('behavior: one schema per message type', () => {
    expect(Object.keys(messageSchemas).sort()).toEqual(Object.keys(fixtureMessages).sort())
  })
})
