import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { EMBED_MESSAGE_TAG as tag } from '../../../src/protocol/widget/EmbedMessage.ts'
import { parseEmbedCommand } from '../../../src/protocol/widget/parseEmbedCommand.ts'
import { parseEmbedEvent } from '../../../src/protocol/widget/parseEmbedEvent.ts'

describe('parseEmbedCommand', () => {
  test('default: the three commands', () => {
    for (const type of ['start', 'stop', 'status'] as const)
      expect(parseEmbedCommand({ tag, type })).toEqual({ tag, type })
  })

  test('error: extra keys, other tags, unknown types, non-objects are refused', () => {
    for (const data of [
      { tag, type: 'start', partner: '0x0000000000000000000000000000000000000001' },
      { tag, type: 'stop', force: true },
      { tag, type: 'configure' },
      { tag: 'inference-grid/embed/2', type: 'start' },
      { type: 'start' },
      Object.assign(Object.create({ tag, type: 'start' }), {}),
      Object.assign(new (class Message {})(), { tag, type: 'start' }),
      'start',
      ['start'],
      null,
      undefined,
      42,
    ])
      expect(parseEmbedCommand(data)).toBeUndefined()
  })

  test('behavior: anything accepted is exactly a command', () => {
    fc.assert(
      fc.property(fc.anything({ withObjectString: true }), (data) => {
        const command = parseEmbedCommand(data)
        if (command) expect(Object.keys(command).sort()).toEqual(['tag', 'type'])
      }),
    )
  })
})

describe('parseEmbedEvent', () => {
  const status = { tag, type: 'status', state: 'running', jobsDone: 3, crossOriginIsolated: false }

  test('default: status and resize', () => {
    expect(parseEmbedEvent(status)).toEqual(status)
    expect(parseEmbedEvent({ ...status, state: 'failed', error: 'The gateway is gone.' })).toEqual({
      ...status,
      state: 'failed',
      error: 'The gateway is gone.',
    })
    expect(parseEmbedEvent({ tag, type: 'resize', height: 24 })).toEqual({
      tag,
      type: 'resize',
      height: 24,
    })
  })

  test('behavior: a resize is clamped to the largest height', () => {
    expect(parseEmbedEvent({ tag, type: 'resize', height: 100_000 })).toMatchObject({ height: 400 })
  })

  test('error: out-of-range fields and extra keys are refused', () => {
    for (const data of [
      { ...status, state: 'mining' },
      { ...status, jobsDone: -1 },
      { ...status, jobsDone: 1.5 },
      { ...status, crossOriginIsolated: 'yes' },
      { ...status, error: 'x'.repeat(301) },
      { ...status, error: undefined },
      { ...status, wallet: '0x0' },
      { tag, type: 'resize', height: -5 },
      { tag, type: 'resize', height: 10, width: 10 },
      { tag, type: 'start' },
      { ...status, tag: 'other' },
    ])
      expect(parseEmbedEvent(data)).toBeUndefined()
  })
})
