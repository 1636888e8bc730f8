import { describe, expect, test } from 'vitest'
import {
  createSettingsStore,
  DEFAULT_SETTINGS,
  normalizeSettings,
  type SettingsStorage,
} from '../../src/ui/contributor/createSettingsStore.ts'
import { formatBytes } from '../../src/ui/contributor/formatBytes.ts'
import { formatCredits } from '../../src/ui/contributor/formatCredits.ts'
import { nextBatteryPause } from '../../src/ui/contributor/nextBatteryPause.ts'
import { watchBattery } from '../../src/ui/contributor/watchBattery.ts'

function memoryStorage(initial: Record<string, string> = {}): SettingsStorage & {
  data: Map<string, string>
} {
  const data = new Map(Object.entries(initial))
  return {
    data,
    getItem: (key) => data.get(key) ?? null,
    setItem: (key, value) => void data.set(key, value),
  }
}

describe('createSettingsStore', () => {
  test('default: defaults when nothing is stored; a change is saved and announced', () => {
    const storage = memoryStorage()
    const store = createSettingsStore({ storage, key: 'k' })
    expect(store.get()).toEqual(DEFAULT_SETTINGS)
    let calls = 0
    store.subscribe(() => calls++)
    store.set((s) => ({ ...s, dutyCycle: 0.25, maxDownloadMB: 50 }))
    expect(calls).toBe(1)
    expect(createSettingsStore({ storage, key: 'k' }).get()).toMatchObject({
      dutyCycle: 0.25,
      maxDownloadMB: 50,
      pauseWhenHidden: true,
    })
  })

  test('behavior: a bad or hand-edited entry falls back field by field', () => {
    const storage = memoryStorage({
      k: JSON.stringify({ dutyCycle: 0.3, pauseWhenHidden: false, battery: { stopBelow: 'x' } }),
    })
    expect(createSettingsStore({ storage, key: 'k' }).get()).toEqual({
      ...DEFAULT_SETTINGS,
      pauseWhenHidden: false,
    })
    expect(
      createSettingsStore({ storage: memoryStorage({ k: '{not json' }), key: 'k' }).get(),
    ).toEqual(DEFAULT_SETTINGS)
  })

  test('behavior: the resume level stays above the pause level; percentages are whole', () => {
    expect(
      normalizeSettings({ battery: { enabled: true, stopBelow: 50.4, resumeAbove: 30 } }).battery,
    ).toEqual({ enabled: true, stopBelow: 50, resumeAbove: 51 })
    expect(normalizeSettings({ battery: { stopBelow: 150, resumeAbove: 150 } }).battery).toEqual({
      enabled: true,
      stopBelow: 99,
      resumeAbove: 100,
    })
    expect(normalizeSettings({ maxDownloadMB: -1 }).maxDownloadMB).toBeNull()
  })

  test('behavior: storage that throws on write still applies the change', () => {
    const store = createSettingsStore({
      storage: {
        getItem: () => null,
        setItem: () => {
          throw new Error('QuotaExceededError')
        },
      },
    })
    store.set((s) => ({ ...s, dutyCycle: 0.5 }))
    expect(store.get().dutyCycle).toBe(0.5)
  })
})

describe('nextBatteryPause', () => {
  const rule = { stopBelow: 20, resumeAbove: 40 }
  test('default: pauses below the threshold on battery, with hysteresis up to the resume level', () => {
    let paused = false
    const levels = [0.5, 0.21, 0.19, 0.3, 0.39, 0.4, 0.3]
    const seen = levels.map((level) => {
      paused = nextBatteryPause({ paused, level, charging: false, ...rule })
      return paused
    })
    expect(seen).toEqual([false, false, true, true, true, false, false])
  })

  test('behavior: a charger lifts the pause at any level', () => {
    expect(nextBatteryPause({ paused: true, level: 0.05, charging: true, ...rule })).toBe(false)
    expect(nextBatteryPause({ paused: false, level: 0.05, charging: true, ...rule })).toBe(false)
  })
})

describe('watchBattery', () => {
  test('default: reports now and at each change, until stopped', async () => {
    const battery = Object.assign(new EventTarget(), { level: 0.8, charging: false })
    const readings: { level: number; charging: boolean }[] = []
    const watch = await watchBattery((r) => readings.push(r), { getBattery: async () => battery })
    expect(watch.available).toBe(true)
    battery.level = 0.7
    battery.dispatchEvent(new Event('levelchange'))
    if (watch.available) watch.stop()
    battery.level = 0.6
    battery.dispatchEvent(new Event('levelchange'))
    expect(readings).toEqual([
      { level: 0.8, charging: false },
      { level: 0.7, charging: false },
    ])
  })

  test('error: no Battery Status API, or a refusal, is said in words', async () => {
    expect(await watchBattery(() => undefined, {})).toMatchInlineSnapshot(`
      {
        "available": false,
        "reason": "This browser does not report its battery (no Battery Status API), so the battery rule cannot apply here.",
      }
    `)
    const refused = await watchBattery(() => undefined, {
      getBattery: () => Promise.reject(new Error('not allowed')),
    })
    expect(refused).toMatchObject({
      available: false,
      reason: expect.stringContaining('not allowed'),
    })
  })
})

describe('formatting', () => {
  test('formatCredits: integer micro-credits, exact', () => {
    expect(formatCredits(0n)).toBe('0')
    expect(formatCredits(700n)).toBe('0.0007')
    expect(formatCredits(22_400n)).toBe('0.0224')
    expect(formatCredits(1_234_567_891n)).toBe('1,234.567891')
    expect(formatCredits(-2_500_000n)).toBe('-2.5')
  })

  test('formatBytes: decimal units', () => {
    expect(formatBytes(999)).toBe('999 B')
    expect(formatBytes(2_327_400)).toBe('2.33 MB')
    expect(formatBytes(10_800_000)).toBe('10.8 MB')
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe('no limit')
  })
})
