import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { repoRoot, type StartedGateway, startGateway } from '../../fixtures/startGateway.ts'
import { customModelBytes, sha256 } from './modelFixtures.ts'

type CliResult = { code: number | null; stdout: string; stderr: string }

const token = 'cli-operator-token-0123456789'

/** `npx tsx src/gateway/cli/modelsCli.ts ...` as an operator runs it (what `npm run models` runs). */
function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('INFERENCE_GRID_')),
  )
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/gateway/cli/modelsCli.ts', ...args],
      { cwd: repoRoot, env: { ...clean, ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
        resolve({ code, stdout, stderr })
      },
    )
  })
}

let gateway: StartedGateway
let modelFile: string

beforeAll(async () => {
  gateway = await startGateway({ env: { INFERENCE_GRID_OPERATOR_TOKEN: token } })
  modelFile = path.join(gateway.dataDir, 'my-model.onnx')
  writeFileSync(modelFile, customModelBytes())
}, 60_000)

afterAll(async () => {
  await gateway?.stop()
})

describe('models CLI against a running gateway', () => {
  test('default: list prints a table of the built-ins', async () => {
    const result = await runCli(['list', '--gateway', gateway.url])
    expect(result).toMatchObject({ code: 0, stderr: '' })
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^NAME\s+TASK\s+SIZE\s+ID$/)
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual([
      'ppocr-mobile-v2-cls',
      'ppocr-v4-det',
      'ppocr-v4-rec',
      'silero-vad-v5',
    ])
  })

  test('default: add uploads a model, then list shows it (token and URL from the environment)', async () => {
    const env = { INFERENCE_GRID_URL: gateway.url, INFERENCE_GRID_OPERATOR_TOKEN: token }
    const id = sha256(customModelBytes())
    const added = await runCli(['add', modelFile, '--name', 'my-model'], env)
    expect(added).toMatchObject({ code: 0, stderr: '' })
    expect(added.stdout).toBe(`Added my-model (565.4 KiB): ${id}\n`)

    const again = await runCli(['add', modelFile, '--name', 'my-model', '--json'], env)
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({
      created: false,
      model: { id, name: 'my-model' },
    })

    const listed = await runCli(['list', '--json'], env)
    expect(JSON.parse(listed.stdout)).toContainEqual(
      expect.objectContaining({ id, name: 'my-model', task: 'custom' }),
    )
  })

  test('error: the gateway refusing is exit 1 with its code and sentence', async () => {
    const garbage = path.join(gateway.dataDir, 'garbage.onnx')
    writeFileSync(garbage, 'not a model')
    const bad = await runCli(['add', garbage, '--name', 'junk', '--gateway', gateway.url], {
      INFERENCE_GRID_OPERATOR_TOKEN: token,
    })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatchInlineSnapshot(`
      "models: the gateway refused (MODEL_INVALID_ONNX): onnxruntime cannot load these bytes as an ONNX model: Failed to load model because protobuf parsing failed.
      "
    `)

    // 16 MiB: the gateway refuses before reading it and closes the connection mid-upload, so
    // the CLI must still report the gateway's answer (fetch lost it to EPIPE).
    const big = path.join(gateway.dataDir, 'big.onnx')
    writeFileSync(big, new Uint8Array(16 * 1024 * 1024))
    const wrongToken = await runCli([
      'add',
      big,
      '--name',
      'x',
      '--gateway',
      gateway.url,
      '--token',
      'wrong-token-123456',
    ])
    expect(wrongToken.code).toBe(1)
    expect(wrongToken.stderr).toContain('OPERATOR_UNAUTHORIZED')
  })

  test('error: an unreachable gateway is exit 1 and says so', async () => {
    const result = await runCli(['list', '--gateway', 'http://127.0.0.1:9'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('cannot reach the gateway at http://127.0.0.1:9')
  })

  test.each([
    [[], 'Name a command: list or add.'],
    [['frob'], 'Unknown command "frob": use list or add.'],
    [['add'], 'add needs the path of an .onnx file.'],
    [['add', 'x.onnx'], 'add needs --name <slug>.'],
    [['add', 'x.onnx', '--name', 'Bad'], '--name must be a lowercase slug'],
    [['add', 'x.onnx', '--name', 'ok'], 'add needs the operator token'],
    [['add', 'missing.onnx', '--name', 'ok', '--token', 't'], 'No such file: missing.onnx.'],
    [['list', '--gateway', 'ftp://x'], '--gateway must be an http:// or https:// URL'],
    [['list', '--bogus'], "Unknown option '--bogus'"],
  ])('error: bad usage %j is exit 2', async (args, message) => {
    const result = await runCli(args)
    expect(result.code).toBe(2)
    expect(result.stderr).toContain(`models: ${message}`)
    expect(result.stderr).toContain('Usage:')
  })

  test('default: --help is exit 0', async () => {
    const result = await runCli(['--help'])
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('npm run models -- add <file.onnx> --name <slug>')
  })
})
