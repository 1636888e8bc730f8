import { describe, expect, test } from 'vitest'
import { parseConfig } from '../../src/gateway/config/parseConfig.ts'
import { parseDemoConfig } from '../../src/gateway/config/parseDemoConfig.ts'
import { ConfigError } from '../../src/gateway/errors/config.ts'

const parse = (args: string[], env: Record<string, string> = {}) => parseDemoConfig({ args, env })

function errorOf(args: string[], env: Record<string, string> = {}): ConfigError {
  try {
    parse(args, env)
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseDemoConfig', () => {
  test('default: on, one job per second, four open at most (what `npm start` gets)', () => {
    expect(parse([])).toEqual({ enabled: true, ratePerSecond: 1, maxOpen: 4 })
  })

  test('args: --no-demo, --demo-rate 0 and INFERENCE_GRID_DEMO=off turn it off', () => {
    expect(parse(['--no-demo']).enabled).toBe(false)
    expect(parse(['--demo-rate', '0']).enabled).toBe(false)
    expect(parse([], { INFERENCE_GRID_DEMO_RATE: '0' }).enabled).toBe(false)
    expect(parse([], { INFERENCE_GRID_DEMO: 'off' }).enabled).toBe(false)
    expect(parse([], { INFERENCE_GRID_DEMO: '' }).enabled).toBe(true)
  })

  test('behavior: the last of --demo / --no-demo wins, and a flag wins over the variable', () => {
    expect(parse(['--no-demo', '--demo']).enabled).toBe(true)
    expect(parse(['--demo', '--no-demo']).enabled).toBe(false)
    expect(parse(['--demo'], { INFERENCE_GRID_DEMO: 'off' }).enabled).toBe(true)
    expect(parse(['--no-demo'], { INFERENCE_GRID_DEMO: 'on' }).enabled).toBe(false)
  })

  test('args: rate and cap from flags or variables', () => {
    expect(parse(['--demo-rate', '0.5', '--demo-max-open', '2'])).toEqual({
      enabled: true,
      ratePerSecond: 0.5,
      maxOpen: 2,
    })
    expect(
      parse([], { INFERENCE_GRID_DEMO_RATE: '20', INFERENCE_GRID_DEMO_MAX_OPEN: '16' }),
    ).toEqual({ enabled: true, ratePerSecond: 20, maxOpen: 16 })
  })

  test('error: bad values name the setting and what it accepts', () => {
    expect(errorOf(['--demo-rate', 'fast']).shortMessage).toMatchInlineSnapshot(
      `"--demo-rate must be a number of jobs per second from 0.01 to 100, or 0 for no demo; got "fast"."`,
    )
    expect(errorOf(['--demo-rate', '101']).code).toBe('CONFIG_INVALID_VALUE')
    expect(errorOf([], { INFERENCE_GRID_DEMO_MAX_OPEN: '0' }).shortMessage).toMatchInlineSnapshot(
      `"INFERENCE_GRID_DEMO_MAX_OPEN must be a whole number from 1 to 64; got "0"."`,
    )
    expect(errorOf([], { INFERENCE_GRID_DEMO: 'maybe' }).shortMessage).toMatchInlineSnapshot(
      `"INFERENCE_GRID_DEMO must be one of 1, true, yes, on, 0, false, no, off; got "maybe"."`,
    )
  })

  test('behavior: parseConfig accepts the demo flags (one option table)', () => {
    expect(
      parseConfig({ args: ['--no-demo', '--demo', '--demo-rate', '2', '--demo-max-open', '3'] })
        .kind,
    ).toBe('run')
  })
})
