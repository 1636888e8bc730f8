import { describe, expect, test } from 'vitest'
import { formatHelp } from '../../../src/gateway/config/formatHelp.ts'
import { parseConfig } from '../../../src/gateway/config/parseConfig.ts'
import { ConfigError } from '../../../src/gateway/errors/config.ts'

const cwd = '/srv/grid'

function configOf(args: string[], env: Record<string, string> = {}) {
  const parsed = parseConfig({ args, env, cwd })
  if (parsed.kind !== 'run') throw new Error('expected a run config')
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

describe('operator options', () => {
  test('default: no token (operator routes off), 200 MiB uploads', () => {
    expect(configOf([])).toMatchObject({
      operatorToken: undefined,
      maxModelUploadBytes: 200 * 1024 * 1024,
    })
  })

  test('args: a flag wins over the variable', () => {
    const config = configOf(
      ['--operator-token', 'flag-token-0123456789', '--max-model-upload-mib', '5'],
      {
        INFERENCE_GRID_OPERATOR_TOKEN: 'env-token-0123456789',
        INFERENCE_GRID_MAX_MODEL_UPLOAD_MIB: '7',
      },
    )
    expect(config).toMatchObject({
      operatorToken: 'flag-token-0123456789',
      maxModelUploadBytes: 5 * 1024 * 1024,
    })
  })

  test('error: a short token is refused without echoing it', () => {
    const error = errorOf([], { INFERENCE_GRID_OPERATOR_TOKEN: 'short' })
    expect(error.code).toBe('CONFIG_INVALID_VALUE')
    expect(error.shortMessage).toMatchInlineSnapshot(
      `"INFERENCE_GRID_OPERATOR_TOKEN must be 16 to 256 printable characters without spaces (try: openssl rand -hex 24); got "(hidden)"."`,
    )
    expect(JSON.stringify(error.details)).not.toContain('short')
  })

  test.each([['0'], ['2048'], ['1.5'], ['big']])('error: --max-model-upload-mib %s', (value) => {
    expect(errorOf(['--max-model-upload-mib', value]).shortMessage).toContain(
      '--max-model-upload-mib must be a whole number of MiB, 1 to 2047',
    )
  })

  test('default: --help lists both with their variables', () => {
    const help = formatHelp({ version: '1.2.3' })
    expect(help).toContain('--operator-token <token>')
    expect(help).toContain('INFERENCE_GRID_OPERATOR_TOKEN')
    expect(help).toContain('--max-model-upload-mib <MiB>')
    expect(help).toContain('INFERENCE_GRID_MAX_MODEL_UPLOAD_MIB')
  })
})
