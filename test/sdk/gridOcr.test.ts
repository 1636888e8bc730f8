/**
 * The OCR proof with real parts: the real gateway process (built-in PP-OCR models, SQLite in a
 * temp dir), a Node grid worker running onnxruntime-node over libp2p, and the grid CLI reading a
 * PNG that Chromium rendered with a real font (test/fixtures/ocr/inference-grid.png, made by
 * writeTextPng.ts). Nothing is mocked: the text comes back through det, crops, rec and CTC. The
 * same setup checks an SDK round trip with typed arrays on Silero VAD against its known answer.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runApiKeysCli } from '../../src/gateway/cli/runApiKeysCli.ts'
import type { Tensor } from '../../src/protocol/tensor/Tensor.ts'
import { tensorToTypedArray } from '../../src/protocol/tensor/tensorToTypedArray.ts'
import { runGridCli } from '../../src/sdk/cli/runGridCli.node.ts'
import { createGridClient } from '../../src/sdk/createGridClient.ts'
import { parseDictionary } from '../../src/sdk/ocr/parseDictionary.ts'
import { type RunOcrReturnType, runOcr } from '../../src/sdk/ocr/runOcr.ts'
import { readJobOutputs } from '../../src/sdk/readJobOutputs.ts'
import { OCR_TEST_LINES } from '../fixtures/ocr/renderTextPng.ts'
import { type OrtNodeWorker, startOrtNodeWorker } from '../fixtures/ortNodeWorker.ts'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'

const png = path.join(import.meta.dirname, '../fixtures/ocr/inference-grid.png')

let gateway: StartedGateway
let worker: OrtNodeWorker | undefined
let apiKey: string

beforeAll(async () => {
  gateway = await startGateway({ timeoutMs: 120_000 })
  let created = ''
  const status = await runApiKeysCli({
    args: ['create', '--name', 'ocr-test', '--json', '--data-dir', gateway.dataDir],
    stdout: (text) => {
      created += text
    },
  })
  expect(status).toBe(0)
  apiKey = (JSON.parse(created) as { secret: string }).secret
  worker = await startOrtNodeWorker({ baseUrl: gateway.url })
}, 180_000)

afterAll(async () => {
  await worker?.stop()
  await gateway?.stop()
})

async function grid(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const code = await runGridCli({
    args: [...args, '--url', gateway.url],
    env: { INFERENCE_GRID_API_KEY: apiKey },
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
  })
  return { code, stdout, stderr }
}

describe('grid ocr (real gateway, real onnxruntime worker)', () => {
  test('default: prints the two lines of a Chromium-rendered PNG, exactly, top to bottom', async () => {
    const { code, stdout, stderr } = await grid(['ocr', png, '--timeout', '120'])
    expect(stderr).toBe('')
    expect(stdout).toBe(`${OCR_TEST_LINES.join('\n')}\n`)
    expect(code).toBe(0)
    // The lines were read by the worker: one det job and one rec job per line.
    const runs = [...(worker?.runs.values() ?? [])].sort()
    expect(runs).toEqual([1, 2])
  }, 180_000)

  test('behavior: --json gives each line its box (in reading order) and a confidence', async () => {
    const { code, stdout } = await grid(['ocr', png, '--json', '--timeout', '120'])
    expect(code).toBe(0)
    const { lines } = JSON.parse(stdout) as RunOcrReturnType
    expect(lines.map((line) => line.text)).toEqual([...OCR_TEST_LINES])
    const [first, second] = lines
    // The text is drawn at x = 40, lines 79 px apart, 36 px high (renderTextPng).
    expect(first?.box.x).toBeGreaterThanOrEqual(30)
    expect(first?.box.x).toBeLessThanOrEqual(45)
    expect((second?.box.y ?? 0) - (first?.box.y ?? 0)).toBeGreaterThan(60)
    expect(first?.box.height).toBeGreaterThan(25)
    expect(first?.box.height).toBeLessThan(60)
    for (const line of lines) expect(line.confidence).toBeGreaterThan(0.9)
  }, 180_000)

  test('behavior: models lists the built-ins; the rec dictionary matches the output classes', async () => {
    const { code, stdout } = await grid(['models'])
    expect(code).toBe(0)
    for (const name of ['silero-vad-v5', 'ppocr-v4-det', 'ppocr-v4-rec', 'ppocr-mobile-v2-cls'])
      expect(stdout).toContain(` ${name} `)
    const requested: string[] = []
    const client = createGridClient({
      baseUrl: gateway.url,
      apiKey,
      fetch: (input, init) => {
        requested.push(String(input))
        return fetch(input, init)
      },
    })
    const rec = await client.manifest('ppocr-v4-rec')
    const dictionary = parseDictionary(await client.asset(rec.id, 'dictionary'))
    // Blank + 6,623 characters + space = the 6,625 classes of the rec output.
    expect(dictionary.length).toBe(6623)
    expect(rec.outputs[0]?.dims.at(-1)).toBe(dictionary.length + 2)
    // Manifests and assets are content-addressed: asked again, they are not fetched again.
    const again = await client.asset('ppocr-v4-rec', 'dictionary')
    expect(parseDictionary(again)).toEqual(dictionary)
    expect(requested.filter((url) => url.includes('/dictionary'))).toHaveLength(1)
    expect(requested.filter((url) => url.endsWith(`/v1/models/${rec.id}`))).toHaveLength(1)
  })

  test('behavior: the SDK runs Silero VAD with typed arrays (int64 scalar included) and gets its known answer', async () => {
    const client = createGridClient({ baseUrl: gateway.url, apiKey })
    const silero = await client.manifest('silero-vad-v5')
    const known = silero.knownAnswer
    const input = tensorToTypedArray(known.inputs.input as Tensor & { dtype: 'float32' })
    const job = await client.submit({
      model: 'silero-vad-v5',
      inputs: {
        input: { dtype: 'float32', dims: [1, 512], data: input },
        state: { dtype: 'float32', dims: [2, 1, 128], data: new Float32Array(256) },
        sr: { dtype: 'int64', dims: [], data: BigInt64Array.of(16_000n) },
      },
    })
    const { output } = readJobOutputs(await client.wait(job.id, { timeoutMs: 60_000 }))
    const expected = tensorToTypedArray(known.outputs.output as Tensor & { dtype: 'float32' })
    expect(output?.dims).toEqual([1, 1])
    expect(Math.abs((output?.data[0] as number) - (expected[0] ?? Number.NaN))).toBeLessThan(1e-3)
  })

  test('behavior: a blank page reads as no lines, with no rec job', async () => {
    const client = createGridClient({ baseUrl: gateway.url, apiKey })
    const recRuns = () => worker?.runs.get(rec.id) ?? 0
    const rec = await client.manifest('ppocr-v4-rec')
    const before = recRuns()
    const blank = { width: 300, height: 120, channels: 1 as const, pixels: new Uint8Array(36_000) }
    blank.pixels.fill(255)
    const { lines } = await runOcr(client, blank, { timeoutMs: 60_000 })
    expect(lines).toEqual([])
    expect(recRuns()).toBe(before)
  })

  test('error: a file that is not a PNG exits 2 with one sentence, and nothing is submitted', async () => {
    const { code, stderr } = await grid(['ocr', path.join(import.meta.dirname, 'gridOcr.test.ts')])
    expect(code).toBe(2)
    expect(stderr).toMatch(/^grid: .*gridOcr\.test\.ts is not a PNG image/)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })
})
