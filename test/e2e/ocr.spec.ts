/**
 * OCR end to end with what a requester really has: text rendered by Chromium with real fonts,
 * saved as a PNG, read by the grid CLI (`npm run grid -- ocr`, as a child process) through the
 * real gateway, whose jobs a Node grid worker runs with onnxruntime-node. The CLI must print the
 * exact lines. Needs no WebRTC: the worker connects over WebSocket on loopback.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { runApiKeysCli } from '../../src/gateway/cli/runApiKeysCli.ts'
import { renderTextPng } from '../fixtures/ocr/renderTextPng.ts'
import { type OrtNodeWorker, startOrtNodeWorker } from '../fixtures/ortNodeWorker.ts'
import { repoRoot } from '../fixtures/startGateway.ts'
import { expect, test } from './fixtures.ts'

const run = promisify(execFile)

let worker: OrtNodeWorker | undefined
let apiKey: string
let dir: string

test.beforeAll(async ({ gateway }) => {
  let created = ''
  await runApiKeysCli({
    args: ['create', '--name', 'ocr-e2e', '--json', '--data-dir', gateway.dataDir],
    stdout: (text) => {
      created += text
    },
  })
  apiKey = (JSON.parse(created) as { secret: string }).secret
  worker = await startOrtNodeWorker({ baseUrl: gateway.url })
  dir = await mkdtemp(path.join(tmpdir(), 'grid-ocr-e2e-'))
})

test.afterAll(async () => {
  await worker?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

/** Runs `grid ocr <file>` as a separate process, as a person would. */
async function gridOcr(gatewayUrl: string, file: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', 'src/sdk/cli/gridCli.node.ts', 'ocr', file, '--timeout', '120'],
    {
      cwd: repoRoot,
      env: { ...process.env, INFERENCE_GRID_URL: gatewayUrl, INFERENCE_GRID_API_KEY: apiKey },
      timeout: 150_000,
    },
  )
  return stdout
}

const cases = [
  { name: 'sans-serif 36 px', fontFamily: 'sans-serif', fontPx: 36 },
  { name: 'serif 32 px', fontFamily: 'serif', fontPx: 32 },
]

for (const { name, fontFamily, fontPx } of cases) {
  test(`grid ocr prints the lines of a Chromium-rendered PNG (${name})`, async ({
    page,
    gateway,
  }) => {
    test.setTimeout(240_000)
    const lines = ['Inference Grid 2026', 'Browsers read this line']
    const png = await renderTextPng(page, { lines, fontFamily, fontPx })
    const file = path.join(dir, `${fontFamily}-${fontPx}.png`)
    await writeFile(file, png)
    expect(await gridOcr(gateway.url, file)).toBe(`${lines.join('\n')}\n`)
  })
}
