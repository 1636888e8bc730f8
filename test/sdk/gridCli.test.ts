/**
 * The grid CLI in-process (its run function, output captured) against a real gateway built
 * in-process with the fake models and a simulated worker: what a person sees for each command,
 * and the exit status and one-line message for each kind of mistake.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runGridCli } from '../../src/sdk/cli/runGridCli.node.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../fixtures/simulatedWorker.ts'
import {
  startJobNetwork,
  TEST_CHAIN_ID,
  type TestJobNetwork,
} from '../gateway/jobNetworkHarness.ts'

let grid: TestJobNetwork
let worker: SimulatedWorker
let apiKey: string
let dir: string

beforeAll(async () => {
  grid = await startJobNetwork({ http: true })
  apiKey = (
    await grid.network.apiKeys.create({ name: 'cli', ratePerSecond: 1000, burst: 1000 }, Date.now())
  ).secret
  worker = await startSimulatedWorker({ gateway: grid.multiaddrs, chainId: TEST_CHAIN_ID })
  dir = await mkdtemp(path.join(tmpdir(), 'grid-cli-'))
  await writeFile(
    path.join(dir, 'x.json'),
    JSON.stringify({ dtype: 'float32', dims: [1, 4], data: [1, 2, 3, 4] }),
  )
  const base64 = Buffer.from(new Float32Array([5, 5, 5, 5]).buffer).toString('base64')
  await writeFile(
    path.join(dir, 'inputs.json'),
    JSON.stringify({ x: { dtype: 'float32', dims: [1, 4], data: base64 } }),
  )
  await writeFile(
    path.join(dir, 'int8.json'),
    JSON.stringify({ dtype: 'int8', dims: [2], data: [1, 300] }),
  )
  await writeFile(path.join(dir, 'broken.json'), '{"dtype": ')
})

afterAll(async () => {
  await worker?.stop()
  await grid?.stop({ remove: true })
  await rm(dir, { recursive: true, force: true })
})

async function grid_(
  args: string[],
  env: Record<string, string> = {
    INFERENCE_GRID_URL: grid.baseUrl,
    INFERENCE_GRID_API_KEY: apiKey,
  },
) {
  let stdout = ''
  let stderr = ''
  const code = await runGridCli({
    args,
    env,
    cwd: dir,
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
  })
  return { code, stdout, stderr }
}

describe('grid submit / wait / cancel', () => {
  test('default: submit --wait prints the job and its outputs (inputs as number arrays)', async () => {
    const { code, stdout, stderr } = await grid_([
      'submit',
      '--model',
      'test-sum',
      '--input',
      'x=x.json',
      '--wait',
    ])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^[0-9a-f-]{36} completed \(1 result, backend wasm, /)
    expect(stdout).toContain('  sum float32 [1, 1]: 10\n')
    expect(stdout).toContain('  max float32 [1, 1]: 4\n')
  })

  test('behavior: submit prints the id; wait <id> --json gives the API JSON (base64 tensors)', async () => {
    const submitted = await grid_(['submit', '--model', 'test-sum', '--inputs', 'inputs.json'])
    expect(submitted.code).toBe(0)
    const [id, status] = submitted.stdout.trim().split(' ')
    expect(status).toBe('queued')
    const waited = await grid_(['wait', id ?? '', '--json', '--timeout', '20'])
    expect(waited.code).toBe(0)
    const job = JSON.parse(waited.stdout) as {
      id: string
      status: string
      results: { outputs: Record<string, { dtype: string; dims: number[]; data: string }> }[]
    }
    expect(job).toMatchObject({ id, status: 'completed' })
    const sum = job.results[0]?.outputs.sum
    expect(sum).toMatchObject({ dtype: 'float32', dims: [1, 1] })
    expect([
      ...new Float32Array(new Uint8Array(Buffer.from(sum?.data ?? '', 'base64')).buffer),
    ]).toEqual([20])
  })

  test('behavior: flags win over the environment (--url, --api-key)', async () => {
    const { code, stdout } = await grid_(
      [
        'submit',
        '--model',
        'test-sum',
        '--input',
        'x=x.json',
        '--url',
        grid.baseUrl,
        '--api-key',
        apiKey,
      ],
      { INFERENCE_GRID_URL: 'http://127.0.0.1:9', INFERENCE_GRID_API_KEY: 'wrong' },
    )
    expect(code).toBe(0)
    expect(stdout).toMatch(/ queued\n$/)
  })

  test('behavior: cancel prints the cancelled job; a second cancel is JOB_NOT_CANCELLABLE (exit 1)', async () => {
    const submitted = await grid_([
      'submit',
      '--model',
      'test-sum',
      '--input',
      'x=x.json',
      '--redundancy',
      '3',
    ])
    const id = submitted.stdout.split(' ')[0] ?? ''
    expect(await grid_(['cancel', id])).toMatchObject({ code: 0, stdout: `${id} cancelled\n` })
    const again = await grid_(['cancel', id])
    expect(again.code).toBe(1)
    expect(again.stderr).toBe('grid: JOB_NOT_CANCELLABLE: The job is already cancelled.\n')
    const waited = await grid_(['wait', id])
    expect(waited.code).toBe(1)
    expect(waited.stderr).toMatch(/^grid: JOB_CANCELLED: /)
  })
})

describe('grid: gateway errors print the code and message, exit 1', () => {
  test('error: an unknown model', async () => {
    const { code, stderr, stdout } = await grid_([
      'submit',
      '--model',
      'nope',
      '--input',
      'x=x.json',
    ])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe('grid: JOB_UNKNOWN_MODEL: This gateway serves no model "nope".\n')
  })

  test('error: a bad API key', async () => {
    const { code, stderr } = await grid_(['submit', '--model', 'test-sum', '--input', 'x=x.json'], {
      INFERENCE_GRID_URL: grid.baseUrl,
      INFERENCE_GRID_API_KEY: 'igk-wrong',
    })
    expect(code).toBe(1)
    expect(stderr).toMatch(/^grid: API_KEY_INVALID: /)
  })

  test('error: a gateway that is not there', async () => {
    const { code, stderr } = await grid_(['models', '--url', 'http://127.0.0.1:9'])
    expect(code).toBe(1)
    expect(stderr).toMatch(
      /^grid: SDK_NETWORK_FAILED: Could not reach the gateway at http:\/\/127\.0\.0\.1:9 /,
    )
  })
})

describe('grid: bad usage or input exits 2 with one sentence', () => {
  const cases: [string, string[], RegExp][] = [
    ['no command', [], /^grid: Name a command/],
    ['an unknown command', ['frobnicate'], /^grid: Unknown command "frobnicate"/],
    ['an unknown flag', ['models', '--colour'], /^grid: Unknown option '--colour'/],
    ['submit without a model', ['submit', '--input', 'x=x.json'], /needs --model/],
    ['submit without inputs', ['submit', '--model', 'test-sum'], /at least one --input/],
    [
      'an --input without a name',
      ['submit', '--model', 'm', '--input', 'x.json'],
      /<name>=<file.json>/,
    ],
    [
      'a missing file',
      ['submit', '--model', 'm', '--input', 'x=nope.json'],
      /There is no file nope\.json/,
    ],
    [
      'a file that is not JSON',
      ['submit', '--model', 'm', '--input', 'x=broken.json'],
      /broken\.json is not valid JSON/,
    ],
    [
      'a value out of its dtype',
      ['submit', '--model', 'm', '--input', 'x=int8.json'],
      /int8\.json\.data\[1\] is not a int8 value/,
    ],
    ['wait without an id', ['wait'], /wait takes one job id/],
    ['wait for something that is not an id', ['wait', 'abc'], /"abc" is not a job id/],
    [
      'a bad --timeout',
      ['wait', 'abc', '--timeout', 'soon'],
      /--timeout must be a number of seconds/,
    ],
    ['ocr of a missing image', ['ocr', 'missing.png'], /There is no file missing\.png/],
  ]
  test.each(cases)('error: %s', async (_name, args, message) => {
    const { code, stdout, stderr } = await grid_(args)
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr).toMatch(message)
    expect(stderr.trimEnd().split('\n')).toHaveLength(1)
  })

  test('default: --help prints the commands and exits 0', async () => {
    const { code, stdout } = await grid_(['--help'])
    expect(code).toBe(0)
    for (const command of [
      'models',
      'submit',
      'wait <job-id>',
      'cancel <job-id>',
      'ocr <image.png>',
    ])
      expect(stdout).toContain(command)
  })
})
