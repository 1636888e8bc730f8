import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { repoRoot, type StartedGateway, startGateway } from '../fixtures/startGateway.ts'

type CliResult = { code: number | null; stdout: string; stderr: string }

/** Runs main.ts to completion, for the paths that exit on their own (help, bad options). */
function runMain(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/gateway/main.ts', ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

describe('main (a real gateway process)', () => {
  let gateway: StartedGateway

  beforeAll(async () => {
    gateway = await startGateway({ keepDataDir: true })
  })

  afterAll(async () => {
    await gateway.stop()
    await rm(gateway.dataDir, { recursive: true, force: true })
  })

  test('default: listens on a free port of 127.0.0.1 and answers /healthz', async () => {
    expect(gateway.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    expect(new URL(gateway.url).port).not.toBe('8700')
    const response = await fetch(new URL('/healthz', gateway.url))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ status: 'ok', db: 'ok' })
    expect(existsSync(path.join(gateway.dataDir, 'grid.sqlite'))).toBe(true)
  })

  test('behavior: logs JSON lines, the listening one with the actual URL', () => {
    const lines = gateway
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines.find((line) => line.msg === 'listening')).toMatchObject({
      level: 'info',
      url: gateway.url,
      pid: gateway.pid,
    })
  })

  test('error: a second gateway on the same port exits 1 and says why', async () => {
    const port = new URL(gateway.url).port
    const result = await runMain(['--port', port, '--data-dir', gateway.dataDir, '--no-build'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain(`inference-grid: Port ${port} on 127.0.0.1 is already in use.`)
  })

  test('behavior: SIGTERM shuts down cleanly with exit code 0', async () => {
    const exit = await gateway.stop()
    expect(exit).toEqual({ code: 0, signal: null })
    expect(gateway.logs()).toMatch(/"msg":"shutdown started"/)
    expect(gateway.logs()).toMatch(/"msg":"shutdown complete"/)
    expect(gateway.logs()).toMatch(/"msg":"database closed"/)
    // keepDataDir: the database outlives the process, checkpointed into one file.
    expect(existsSync(path.join(gateway.dataDir, 'grid.sqlite'))).toBe(true)
    expect(existsSync(path.join(gateway.dataDir, 'grid.sqlite-wal'))).toBe(false)
  })
})

describe('main --help', () => {
  test('default: prints every option and exits 0', async () => {
    const result = await runMain(['--help'])
    expect(result.code).toBe(0)
    expect(result.stderr).toBe('')
    for (const option of [
      '--host',
      '--port',
      '--data-dir',
      '--app-dir',
      '--log-level',
      '--public-url',
      '--build-if-needed',
      '--no-build',
      '--shutdown-timeout-ms',
    ])
      expect(result.stdout).toContain(option)
  })
})

describe('main with bad options', () => {
  test('error: --port abc exits 2 with one readable sentence', async () => {
    const result = await runMain(['--port', 'abc'])
    expect(result.code).toBe(2)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatchInlineSnapshot(`
      "inference-grid: --port must be an integer from 0 to 65535 (0 picks a free port); got "abc".
      Run with --help to list every option.
      "
    `)
  })

  test('error: a bad environment variable names the variable', async () => {
    const result = await runMain([], { INFERENCE_GRID_LOG_LEVEL: 'loud' })
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('INFERENCE_GRID_LOG_LEVEL must be one of')
    expect(result.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('main on SIGINT', () => {
  test('behavior: Ctrl-C shuts down cleanly too', async () => {
    const gateway = await startGateway({ args: ['--log-level', 'warn'] })
    process.kill(gateway.pid, 'SIGINT')
    expect(await gateway.exited).toEqual({ code: 0, signal: null })
    await gateway.stop()
    // Still prints the human line at warn level: the fixture needs it whatever the log level.
    expect(gateway.logs()).toContain('Inference Grid gateway listening on')
  })
})
