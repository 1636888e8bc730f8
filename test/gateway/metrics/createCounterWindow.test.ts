import { describe, expect, test } from 'vitest'
import { createCounterWindow } from '../../../src/gateway/metrics/createCounterWindow.ts'

describe('createCounterWindow', () => {
  test('default: the rise since the newest sample at or before the window start', () => {
    const window = createCounterWindow({ spanMs: 60_000 })
    // One sample a second for 100 s, the counter rising 3 a second.
    for (let s = 0; s <= 100; s++) window.record(s * 1000, 3 * s)
    expect(window.rise(100_000, 300, 10_000)).toEqual({ increase: 30, seconds: 10 })
    expect(window.rise(100_000, 300, 60_000)).toEqual({ increase: 180, seconds: 60 })
    // Between samples: from the one at or before the start, over its real distance.
    expect(window.rise(100_500, 302, 10_000)).toEqual({ increase: 32, seconds: 10.5 })
  })

  test('behavior: younger than the window, it measures from the first sample over its age', () => {
    const window = createCounterWindow({ spanMs: 60_000 })
    window.record(1_000, 0)
    window.record(2_000, 5)
    expect(window.rise(5_000, 20, 60_000)).toEqual({ increase: 20, seconds: 4 })
  })

  test('behavior: samples older than the span are dropped but one before it stays', () => {
    const window = createCounterWindow({ spanMs: 10_000 })
    for (let s = 0; s <= 100; s++) window.record(s * 1000, s)
    // Asking for more than the span answers the span (the oldest sample kept is 10 s old).
    expect(window.rise(100_000, 100, 60_000)).toEqual({ increase: 10, seconds: 10 })
  })

  test('behavior: no sample yet is no rise over no time', () => {
    expect(createCounterWindow({ spanMs: 1000 }).rise(5, 3, 1000)).toEqual({
      increase: 0,
      seconds: 0,
    })
  })
})
