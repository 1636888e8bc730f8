import { isIP } from 'node:net'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { ConfigError } from '../errors/config.ts'
import { configOptions } from './configOptions.ts'
import { createSettingReader, type RawSetting } from './createSettingReader.ts'
import { type GatewayConfig, type LogLevel, logLevels } from './GatewayConfig.ts'
import { parseArgsOptions } from './parseArgsOptions.ts'

export type ParseConfigParameters = {
  /** Command-line arguments without the node and script paths (`process.argv.slice(2)`). */
  args: readonly string[]
  env?: Readonly<Record<string, string | undefined>> | undefined
  /** Relative paths resolve against this directory. */
  cwd?: string | undefined
}

export type ParseConfigReturnType =
  | { kind: 'run'; config: GatewayConfig }
  | { kind: 'help' }
  | { kind: 'version' }

export type ParseConfigErrorType = ConfigError

/**
 * Reads the gateway's settings from flags and environment variables: a flag wins over its variable,
 * which wins over the default. Throws a ConfigError naming the setting, what it accepts and what it
 * got; `main` prints that sentence and exits with status 2.
 */
export function parseConfig({
  args,
  env = {},
  cwd = process.cwd(),
}: ParseConfigParameters): ParseConfigReturnType {
  const { values, tokens } = parseFlags(args)
  if (values.help) return { kind: 'help' }
  if (values.version) return { kind: 'version' }

  const read = createSettingReader(values, env)

  const config: GatewayConfig = {
    host: parseHost(read('host')) ?? '127.0.0.1',
    port: parsePort(read('port')) ?? 8700,
    dataDir: path.resolve(cwd, parsePath(read('dataDir')) ?? './data'),
    appDir: path.resolve(cwd, parsePath(read('appDir')) ?? './dist'),
    logLevel: parseLogLevel(read('logLevel')) ?? 'info',
    publicUrl: parsePublicUrl(read('publicUrl')),
    buildIfNeeded: parseBuildIfNeeded(tokens, read('buildIfNeeded')),
    shutdownTimeoutMs: parseShutdownTimeout(read('shutdownTimeoutMs')) ?? 10_000,
    operatorToken: parseOperatorToken(read('operatorToken')),
    maxModelUploadBytes: (parseUploadMib(read('maxModelUploadMib')) ?? 200) * 1024 * 1024,
  }
  return { kind: 'run', config }
}

type FlagValues = Record<string, string | boolean | undefined>
type FlagToken = { kind: string; name?: string }

function parseFlags(args: readonly string[]): { values: FlagValues; tokens: FlagToken[] } {
  try {
    const { values, tokens } = parseArgs({
      args: [...args],
      options: parseArgsOptions,
      strict: true,
      allowPositionals: false,
      tokens: true,
    })
    return { values: values as FlagValues, tokens }
  } catch (error) {
    throw toConfigError(error)
  }
}

function toConfigError(error: unknown): ConfigError {
  const code = (error as { code?: unknown }).code
  const message = error instanceof Error ? error.message : String(error)
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? message
    const suggestion = closestFlag(flag)
    return new ConfigError(
      `Unknown option ${flag}.${suggestion ? ` Did you mean --${suggestion}?` : ''}`,
      { code: 'CONFIG_UNKNOWN_OPTION', source: flag, cause: error },
    )
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const argument = /'([^']+)'/.exec(message)?.[1] ?? message
    return new ConfigError(
      `Unexpected argument "${argument}": every setting is a flag such as --port 8700.`,
      { code: 'CONFIG_UNEXPECTED_ARGUMENT', value: argument, cause: error },
    )
  }
  // The remaining parseArgs failures are a missing or ambiguous value; Node's sentence says which.
  return new ConfigError(message, { code: 'CONFIG_INVALID_VALUE', cause: error })
}

function closestFlag(flag: string): string | undefined {
  const name = flag.replace(/^-+/, '').split('=')[0] ?? ''
  let best: { flag: string; distance: number } | undefined
  for (const spec of Object.values(configOptions)) {
    const distance = editDistance(name, spec.flag)
    if (!best || distance < best.distance) best = { flag: spec.flag, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 3)) ? best.flag : undefined
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution)
    }
    previous = current
  }
  return previous[b.length] ?? 0
}

function invalid(raw: NonNullable<RawSetting>, expectation: string): ConfigError {
  return new ConfigError(`${raw.source} must be ${expectation}; got "${raw.raw}".`, {
    code: 'CONFIG_INVALID_VALUE',
    source: raw.source,
    value: raw.raw,
  })
}

function parseHost(raw: RawSetting): string | undefined {
  if (!raw) return undefined
  // `[::1]` is how people write IPv6 in URLs; the socket API wants it bare.
  const host = raw.raw.replace(/^\[(.*)\]$/, '$1')
  const isHostName =
    /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/
  if (isIP(host) === 0 && !isHostName.test(host))
    throw invalid(raw, 'an IP address or host name such as 127.0.0.1, 0.0.0.0 or localhost')
  return host
}

function parsePort(raw: RawSetting): number | undefined {
  if (!raw) return undefined
  const port = /^\d{1,5}$/.test(raw.raw) ? Number(raw.raw) : Number.NaN
  if (!(port >= 0 && port <= 65_535))
    throw invalid(raw, 'an integer from 0 to 65535 (0 picks a free port)')
  return port
}

function parsePath(raw: RawSetting): string | undefined {
  if (!raw) return undefined
  if (raw.raw.includes('\0')) throw invalid(raw, 'a directory path')
  return raw.raw
}

function parseLogLevel(raw: RawSetting): LogLevel | undefined {
  if (!raw) return undefined
  const level = logLevels.find((l) => l === raw.raw.toLowerCase())
  if (!level) throw invalid(raw, `one of ${logLevels.join(', ')}`)
  return level
}

function parsePublicUrl(raw: RawSetting): string | undefined {
  if (!raw) return undefined
  const url = URL.canParse(raw.raw) ? new URL(raw.raw) : undefined
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.search || url.hash)
    throw invalid(raw, 'an absolute http:// or https:// URL without query or fragment')
  return url.href
}

function parseShutdownTimeout(raw: RawSetting): number | undefined {
  if (!raw) return undefined
  const ms = /^\d{1,7}$/.test(raw.raw) ? Number(raw.raw) : Number.NaN
  if (!(ms >= 1 && ms <= 600_000)) throw invalid(raw, 'a whole number of milliseconds, 1 to 600000')
  return ms
}

function parseOperatorToken(raw: RawSetting): string | undefined {
  if (!raw) return undefined
  // Long enough that guessing is hopeless; printable without spaces so it fits a header as is.
  if (!/^[\x21-\x7e]{16,256}$/.test(raw.raw))
    throw invalid(
      { ...raw, raw: '(hidden)' },
      '16 to 256 printable characters without spaces (try: openssl rand -hex 24)',
    )
  return raw.raw
}

function parseUploadMib(raw: RawSetting): number | undefined {
  if (!raw) return undefined
  const mib = /^\d{1,4}$/.test(raw.raw) ? Number(raw.raw) : Number.NaN
  if (!(mib >= 1 && mib <= 2047)) throw invalid(raw, 'a whole number of MiB, 1 to 2047')
  return mib
}

function parseBuildIfNeeded(tokens: FlagToken[], envRaw: RawSetting): boolean {
  // Of --build-if-needed and --no-build, the last one on the command line wins, as with any flag.
  const buildFlags: string[] = [configOptions.buildIfNeeded.flag, configOptions.noBuild.flag]
  const last = tokens.findLast((t) => t.kind === 'option' && buildFlags.includes(t.name ?? ''))
  if (last) return last.name === configOptions.buildIfNeeded.flag
  if (!envRaw) return false
  const value = envRaw.raw.toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(value)) return true
  if (['0', 'false', 'no', 'off'].includes(value)) return false
  throw invalid(envRaw, 'one of 1, true, yes, on, 0, false, no, off')
}
