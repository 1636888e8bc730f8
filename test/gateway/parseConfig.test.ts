import { describe, expect, test } from 'vitest'
import { formatHelp } from '../../src/gateway/config/formatHelp.ts'
import { parseConfig } from '../../src/gateway/config/parseConfig.ts'
import { ConfigError } from '../../src/gateway/errors/config.ts'

const cwd = '/srv/grid'

function configOf(args: string[], env: Record<string, string> = {}) {
  const parsed = parseConfig({ args, env, cwd })
  if (parsed.kind !== 'run') throw new Error(`expected a config, got ${parsed.kind}`)
  return parsed.config
}

function errorOf(args: string[], env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig({ args, env, cwd })
  } catch (error) {
    if (error instanceof ConfigError) return error
    throw error
  }
  throw new Error('expected a ConfigError')
}

describe('parseConfig', () => {
  test('default', () => {
    expect(configOf([])).toMatchInlineSnapshot(`
      {
        "appDir": "/srv/grid/dist",
        "buildIfNeeded": false,
        "dataDir": "/srv/grid/data",
        "host": "127.0.0.1",
        "logLevel": "info",
        "maxModelUploadBytes": 209715200,
        "operatorToken": undefined,
        "port": 8700,
        "publicUrl": undefined,
        "shutdownTimeoutMs": 10000,
      }
    `)
  })

  test('args: every flag', () => {
    expect(
      configOf([
        '--host',
        '0.0.0.0',
        '--port=9000',
        '--data-dir',
        'state',
        '--app-dir',
        '/opt/app',
        '--log-level',
        'debug',
        '--public-url',
        'https://grid.example.org',
        '--build-if-needed',
        '--shutdown-timeout-ms',
        '2500',
        '--operator-token',
        'operator-token-0123456789',
        '--max-model-upload-mib',
        '64',
      ]),
    ).toEqual({
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/srv/grid/state',
      appDir: '/opt/app',
      logLevel: 'debug',
      publicUrl: 'https://grid.example.org/',
      buildIfNeeded: true,
      shutdownTimeoutMs: 2500,
      operatorToken: 'operator-token-0123456789',
      maxModelUploadBytes: 64 * 1024 * 1024,
    })
  })

  test('args: every environment variable', () => {
    expect(
      configOf([], {
        INFERENCE_GRID_HOST: '::1',
        INFERENCE_GRID_PORT: '0',
        INFERENCE_GRID_DATA_DIR: '/var/lib/grid',
        INFERENCE_GRID_APP_DIR: 'build',
        INFERENCE_GRID_LOG_LEVEL: 'WARN',
        INFERENCE_GRID_PUBLIC_URL: 'http://grid.local:8080/app/',
        INFERENCE_GRID_BUILD_IF_NEEDED: 'yes',
        INFERENCE_GRID_SHUTDOWN_TIMEOUT_MS: '500',
        INFERENCE_GRID_OPERATOR_TOKEN: 'env-operator-token-0123',
        INFERENCE_GRID_MAX_MODEL_UPLOAD_MIB: '1',
      }),
    ).toEqual({
      host: '::1',
      port: 0,
      dataDir: '/var/lib/grid',
      appDir: '/srv/grid/build',
      logLevel: 'warn',
      publicUrl: 'http://grid.local:8080/app/',
      buildIfNeeded: true,
      shutdownTimeoutMs: 500,
      operatorToken: 'env-operator-token-0123',
      maxModelUploadBytes: 1024 * 1024,
    })
  })

  test('behavior: a flag wins over its environment variable', () => {
    const config = configOf(['--port', '9001', '--log-level', 'error'], {
      INFERENCE_GRID_PORT: '9002',
      INFERENCE_GRID_LOG_LEVEL: 'debug',
      INFERENCE_GRID_HOST: '0.0.0.0',
    })
    expect(config.port).toBe(9001)
    expect(config.logLevel).toBe('error')
    // Variables without a flag still apply.
    expect(config.host).toBe('0.0.0.0')
  })

  test('behavior: an invalid variable is not checked when its flag overrides it', () => {
    expect(configOf(['--port', '1'], { INFERENCE_GRID_PORT: 'abc' }).port).toBe(1)
  })

  test('behavior: an empty environment variable counts as unset', () => {
    expect(configOf([], { INFERENCE_GRID_PORT: '', INFERENCE_GRID_HOST: '' })).toMatchObject({
      port: 8700,
      host: '127.0.0.1',
    })
  })

  test('behavior: the last of --build-if-needed and --no-build wins', () => {
    expect(configOf(['--build-if-needed', '--no-build']).buildIfNeeded).toBe(false)
    expect(configOf(['--no-build', '--build-if-needed']).buildIfNeeded).toBe(true)
  })

  test('behavior: --no-build overrides INFERENCE_GRID_BUILD_IF_NEEDED', () => {
    expect(configOf([], { INFERENCE_GRID_BUILD_IF_NEEDED: '1' }).buildIfNeeded).toBe(true)
    expect(configOf(['--no-build'], { INFERENCE_GRID_BUILD_IF_NEEDED: '1' }).buildIfNeeded).toBe(
      false,
    )
    expect(configOf([], { INFERENCE_GRID_BUILD_IF_NEEDED: 'off' }).buildIfNeeded).toBe(false)
  })

  test('behavior: a bracketed IPv6 host is unwrapped', () => {
    expect(configOf(['--host', '[::1]']).host).toBe('::1')
  })

  test('behavior: the last of a repeated flag wins', () => {
    expect(configOf(['--port', '1', '--port', '2']).port).toBe(2)
  })

  test('behavior: --help and --version win over everything else', () => {
    expect(parseConfig({ args: ['--port', '1', '--help'], cwd })).toEqual({ kind: 'help' })
    expect(parseConfig({ args: ['-h'], cwd })).toEqual({ kind: 'help' })
    expect(parseConfig({ args: ['--version'], cwd })).toEqual({ kind: 'version' })
  })

  test('error: port is not an integer', () => {
    const error = errorOf(['--port', 'abc'])
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.name).toBe('ConfigError')
    expect(error.code).toBe('CONFIG_INVALID_VALUE')
    expect(error.source).toBe('--port')
    expect(error.value).toBe('abc')
    expect(error.message).toMatchInlineSnapshot(`
      "--port must be an integer from 0 to 65535 (0 picks a free port); got "abc".

      Run with --help to list every option.

      Code: CONFIG_INVALID_VALUE"
    `)
    expect(error.details).toEqual({ source: '--port', value: 'abc' })
  })

  test.each([['65536'], ['-1'], ['80.5'], ['1e3'], [' 80'], ['0x50']])(
    'error: port %j is rejected',
    (port) => {
      const error = errorOf([`--port=${port}`])
      expect(error.code).toBe('CONFIG_INVALID_VALUE')
      expect(error.source).toBe('--port')
    },
  )

  test('error: an invalid variable is named in the message', () => {
    const error = errorOf([], { INFERENCE_GRID_PORT: '99999' })
    expect(error.source).toBe('INFERENCE_GRID_PORT')
    expect(error.shortMessage).toMatchInlineSnapshot(
      `"INFERENCE_GRID_PORT must be an integer from 0 to 65535 (0 picks a free port); got "99999"."`,
    )
  })

  test('error: log level', () => {
    const error = errorOf(['--log-level', 'verbose'])
    expect(error.code).toBe('CONFIG_INVALID_VALUE')
    expect(error.shortMessage).toMatchInlineSnapshot(
      `"--log-level must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"."`,
    )
  })

  test('error: host', () => {
    expect(errorOf(['--host', 'http://example.org']).shortMessage).toMatchInlineSnapshot(
      `"--host must be an IP address or host name such as 127.0.0.1, 0.0.0.0 or localhost; got "http://example.org"."`,
    )
  })

  test.each([['ftp://example.org'], ['example.org'], ['https://example.org/?a=1']])(
    'error: public URL %j',
    (url) => {
      expect(errorOf(['--public-url', url]).code).toBe('CONFIG_INVALID_VALUE')
    },
  )

  test('error: boolean variable', () => {
    expect(
      errorOf([], { INFERENCE_GRID_BUILD_IF_NEEDED: 'maybe' }).shortMessage,
    ).toMatchInlineSnapshot(
      `"INFERENCE_GRID_BUILD_IF_NEEDED must be one of 1, true, yes, on, 0, false, no, off; got "maybe"."`,
    )
  })

  test('error: shutdown timeout', () => {
    expect(errorOf(['--shutdown-timeout-ms', '0']).source).toBe('--shutdown-timeout-ms')
  })

  test('error: unknown option suggests the closest one', () => {
    const error = errorOf(['--prot', '80'])
    expect(error.code).toBe('CONFIG_UNKNOWN_OPTION')
    expect(error.shortMessage).toMatchInlineSnapshot(
      `"Unknown option --prot. Did you mean --port?"`,
    )
    expect(errorOf(['--frobnicate']).shortMessage).toMatchInlineSnapshot(
      `"Unknown option --frobnicate."`,
    )
  })

  test('error: a positional argument', () => {
    const error = errorOf(['8700'])
    expect(error.code).toBe('CONFIG_UNEXPECTED_ARGUMENT')
    expect(error.shortMessage).toMatchInlineSnapshot(
      `"Unexpected argument "8700": every setting is a flag such as --port 8700."`,
    )
  })

  test('error: a flag without its value', () => {
    const error = errorOf(['--port'])
    expect(error.code).toBe('CONFIG_INVALID_VALUE')
    expect(error.shortMessage).toContain('--port')
  })
})

describe('formatHelp', () => {
  const help = formatHelp({ version: '1.2.3' })

  test('default: names the version and how to run', () => {
    expect(help).toContain('Inference Grid gateway 1.2.3')
    expect(help).toContain('Usage: npm start -- [options]')
  })

  // Written out rather than read from the option table, so that dropping an option fails here.
  test.each([
    ['--host <host>', 'INFERENCE_GRID_HOST', 'default 127.0.0.1'],
    ['--port <port>', 'INFERENCE_GRID_PORT', 'default 8700'],
    ['--data-dir <dir>', 'INFERENCE_GRID_DATA_DIR', 'default ./data'],
    ['--app-dir <dir>', 'INFERENCE_GRID_APP_DIR', 'default ./dist'],
    ['--log-level <level>', 'INFERENCE_GRID_LOG_LEVEL', 'default info'],
    ['--public-url <url>', 'INFERENCE_GRID_PUBLIC_URL', 'default (none)'],
    ['--build-if-needed', 'INFERENCE_GRID_BUILD_IF_NEEDED', 'default off'],
    ['--shutdown-timeout-ms <ms>', 'INFERENCE_GRID_SHUTDOWN_TIMEOUT_MS', 'default 10000'],
    ['--demo ', 'INFERENCE_GRID_DEMO', 'default on'],
    ['--demo-rate <jobs/s>', 'INFERENCE_GRID_DEMO_RATE', 'default 1'],
    ['--demo-max-open <n>', 'INFERENCE_GRID_DEMO_MAX_OPEN', 'default 4'],
  ])('behavior: lists %s with %s and its default', (flag, env, fallback) => {
    const lines = help.split('\n')
    const at = lines.findIndex((line) => line.includes(flag))
    expect(at).toBeGreaterThan(-1)
    // The variable and default follow the (possibly wrapped) description, before the next flag.
    const next = lines.findIndex((line, i) => i > at && /^\s+(-\w, )?--/.test(line))
    expect(lines.slice(at, next).join('\n')).toContain(`env ${env}, ${fallback}`)
  })

  test.each([['--no-build'], ['--no-demo'], ['-h, --help'], ['-v, --version']])(
    'behavior: lists %s',
    (flag) => {
      expect(help).toContain(flag)
    },
  )
})
