import { parseArgs } from 'node:util'
import { ConfigError } from '../errors/config.ts'
import { configOptions } from './configOptions.ts'
import { createSettingReader, type RawSetting } from './createSettingReader.ts'
import { parseArgsOptions } from './parseArgsOptions.ts'

/** Settings of the demo requester (src/gateway/demo). */
export type DemoConfig = {
  enabled: boolean
  /** Jobs per second, at most. */
  ratePerSecond: number
  /** Most demo jobs open at once. */
  maxOpen: number
}

export type ParseDemoConfigParameters = {
  args: readonly string[]
  env?: Readonly<Record<string, string | undefined>> | undefined
}

/**
 * Reads the demo requester's options (see the "Demo requester" section of configOptions.ts): on
 * by default, so that `npm start` shows a working grid; `--no-demo`, `INFERENCE_GRID_DEMO=off` or
 * a rate of 0 turn it off. Of `--demo` and `--no-demo` the last on the command line wins. Unknown
 * flags were already refused by parseConfig. Throws a ConfigError naming the setting.
 */
export function parseDemoConfig(parameters: ParseDemoConfigParameters): DemoConfig {
  let values: Record<string, unknown>
  let tokens: { kind: string; name?: string }[]
  try {
    ;({ values, tokens } = parseArgs({
      args: [...parameters.args],
      options: parseArgsOptions,
      strict: true,
      allowPositionals: false,
      tokens: true,
    }))
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error), {
      code: 'CONFIG_INVALID_VALUE',
      cause: error,
    })
  }
  const read = createSettingReader(values, parameters.env ?? {})
  const switches: string[] = [configOptions.demo.flag, configOptions.noDemo.flag]
  const last = tokens.findLast((t) => t.kind === 'option' && switches.includes(t.name ?? ''))
  const switchedOn = last ? last.name === configOptions.demo.flag : onOff(read('demo'))
  const ratePerSecond = rate(read('demoRate')) ?? 1
  return {
    enabled: switchedOn !== false && ratePerSecond > 0,
    ratePerSecond,
    maxOpen: count(read('demoMaxOpen')) ?? 4,
  }
}

function invalid(raw: NonNullable<RawSetting>, expectation: string): ConfigError {
  return new ConfigError(`${raw.source} must be ${expectation}; got "${raw.raw}".`, {
    code: 'CONFIG_INVALID_VALUE',
    source: raw.source,
    value: raw.raw,
  })
}

function onOff(raw: RawSetting): boolean | undefined {
  if (!raw) return undefined
  const value = raw.raw.toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(value)) return true
  if (['0', 'false', 'no', 'off'].includes(value)) return false
  throw invalid(raw, 'one of 1, true, yes, on, 0, false, no, off')
}

function rate(raw: RawSetting): number | undefined {
  if (!raw) return undefined
  const value = /^\d{1,3}(\.\d{1,6})?$/.test(raw.raw) ? Number(raw.raw) : Number.NaN
  if (!(value === 0 || (value >= 0.01 && value <= 100)))
    throw invalid(raw, 'a number of jobs per second from 0.01 to 100, or 0 for no demo')
  return value
}

function count(raw: RawSetting): number | undefined {
  if (!raw) return undefined
  const value = /^\d{1,2}$/.test(raw.raw) ? Number(raw.raw) : Number.NaN
  if (!(value >= 1 && value <= 64)) throw invalid(raw, 'a whole number from 1 to 64')
  return value
}
