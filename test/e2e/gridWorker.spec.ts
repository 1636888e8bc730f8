// The contributor page as a grid worker: the real gateway (libp2p host, scheduler, requester
// API), Chromium tabs that press Start (libp2p in the page, onnxruntime-web in the Engine's Web
// Worker), jobs submitted through the requester API and checked against onnxruntime-node with each
// model's comparison policy from its manifest. WebRTC-Direct needs the private network namespace
// of test/run-e2e.sh, hence @netns.
import type { Page } from '@playwright/test'
import { compareOutputs } from '../../src/protocol/models/compareOutputs.ts'
import { parseManifest } from '../../src/protocol/models/parseManifest.ts'
import type { Tensor, TensorMap } from '../../src/protocol/tensor/Tensor.ts'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { runNode, type TestModelName, testModels } from '../worker/engineModels.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'

const OPERATOR_TOKEN = 'grid-worker-spec-operator-token'

type JobSpec = { model: TestModelName; inputs: TensorMap }
type JobView = {
  id: string
  status: string
  attempts: number
  createdAt: string
  finishedAt: string | null
  error: { code: string; message: string } | null
  results: {
    outputs: Record<string, { dtype: Tensor['dtype']; dims: number[]; data: string }>
    backend: string
    worker: { peerId: string }
    inferenceMs: number
    totalMs: number
  }[]
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

function jobSpecs(): JobSpec[] {
  const jobs: JobSpec[] = []
  for (let i = 0; i < 24; i++)
    jobs.push({ model: 'silero', inputs: testModels.silero.makeInputs({ samples: 512 }, 100 + i) })
  for (let i = 0; i < 24; i++)
    jobs.push({
      model: 'cls',
      inputs: testModels.cls.makeInputs({ height: 48, width: 192 }, 200 + i),
    })
  for (let i = 0; i < 6; i++)
    jobs.push({
      model: 'rec',
      inputs: testModels.rec.makeInputs({ height: 48, width: 320 }, 300 + i),
    })
  return jobs
}

async function startContributing(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.getByTestId('contribute-toggle').click()
  await expect(page.getByTestId('contributor-state')).toHaveText('connected', { timeout: 40_000 })
}

test.describe('the contributor page as a grid worker @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  let gateway: StartedGateway
  test.beforeAll(async () => {
    gateway = await startGateway({
      appDir: 'dist',
      args: [
        '--operator-token',
        OPERATOR_TOKEN,
        // Every interface of the namespace (lo and the veth), so /v1/network lists veth addresses
        // too and the tab's address ordering (non-loopback WebRTC-Direct first) is exercised.
        // (WebRTC-Direct to 127.0.0.1 also works inside the namespace: the veth carries the
        // default route, so Chromium has a candidate.)
        '--p2p-listen',
        '/ip4/0.0.0.0/tcp/0/ws,/ip4/0.0.0.0/udp/0/webrtc-direct',
      ],
    })
  })
  test.afterAll(async () => {
    await gateway?.stop()
  })

  test('default: two tabs serve Silero VAD and PP-OCR jobs over WebRTC-Direct; closing one mid-run loses none', async ({
    browser,
  }) => {
    test.setTimeout(120_000)
    const url = gateway.url
    const keyResponse = await fetch(new URL('/v1/operator/api-keys', url), {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'grid-worker-spec', ratePerSecond: 1000, burst: 1000 }),
    })
    expect(keyResponse.status).toBe(201)
    const { secret } = (await keyResponse.json()) as { secret: string }
    const auth = { authorization: `Bearer ${secret}` }

    // Nothing loads before Start: the page's chunks are the app's alone.
    const context = await browser.newContext()
    const pages = [await context.newPage(), await context.newPage()]
    const errors: string[] = []
    for (const page of pages) {
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
      page.on('pageerror', (e) => errors.push(e.message))
    }
    const [first, second] = pages
    if (!first || !second) throw new Error('two pages')
    const requested: string[] = []
    first.on('request', (r) => requested.push(new URL(r.url()).pathname))
    await first.goto(url)
    await expect(first.getByTestId('contribute-toggle')).toHaveText('Start')
    expect(
      requested.filter((p) => /createContributor|engine|ort|\.wasm$|\/models\//.test(p)),
    ).toEqual([])

    const ready = performance.now()
    await Promise.all(pages.map((page) => startContributing(page, url)))
    const startMs = performance.now() - ready

    // The connection type is read from the gateway connection's remote multiaddr.
    const remoteAddrs = await Promise.all(
      pages.map((page) => page.getByTestId('connection-type').getAttribute('title')),
    )
    const types = await Promise.all(
      pages.map((page) => page.getByTestId('connection-type').textContent()),
    )
    console.log(`[grid] connections: ${remoteAddrs.join(' | ')}`)
    expect(remoteAddrs.some((ma) => ma?.includes('/webrtc-direct/certhash/'))).toBe(true)
    expect(types).toContain('WebRTC-Direct')
    for (const page of pages) {
      for (const name of ['silero-vad-v5', 'ppocr-mobile-v2-cls', 'ppocr-v4-rec'])
        await expect(page.getByTestId(`model-${name}`)).toHaveText('ready on WASM')
    }

    // Manifests (their comparison policies) and the references, from onnxruntime-node.
    const listing = (await (await fetch(new URL('/v1/models', url))).json()) as {
      models: { id: string; name: string }[]
    }
    const policies = new Map<TestModelName, ReturnType<typeof parseManifest>>()
    for (const model of ['silero', 'cls', 'rec'] as const) {
      const id = listing.models.find((m) => m.name === testModels[model].name)?.id
      expect(id, testModels[model].name).toBeDefined()
      const response = await fetch(new URL(`/v1/models/${id}`, url))
      policies.set(model, parseManifest(await response.json()))
    }
    const specs = jobSpecs()
    const references = await Promise.all(specs.map((s) => runNode(s.model, s.inputs)))

    const submittedAt = performance.now()
    const ids = await Promise.all(
      specs.map(async (spec) => {
        const response = await fetch(new URL('/v1/jobs', url), {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: testModels[spec.model].name,
            inputs: Object.fromEntries(
              Object.entries(spec.inputs).map(([name, t]) => [
                name,
                { dtype: t.dtype, dims: t.dims, data: b64(t.data) },
              ]),
            ),
          }),
        })
        expect(response.status, await response.clone().text()).toBe(202)
        return ((await response.json()) as { id: string }).id
      }),
    )

    // Close the second tab once the grid is under way: its held jobs must be requeued, not lost.
    const closer = (async () => {
      await expect
        .poll(async () => Number(await second.getByTestId('jobs-done').textContent()), {
          timeout: 30_000,
        })
        .toBeGreaterThanOrEqual(3)
      const held = Number(await second.getByTestId('current-jobs').textContent())
      await second.close()
      return held
    })()

    const views = await Promise.all(
      ids.map(async (id) => {
        for (let i = 0; i < 6; i++) {
          const response = await fetch(new URL(`/v1/jobs/${id}?wait=20`, url), { headers: auth })
          const view = (await response.json()) as JobView
          if (['completed', 'failed', 'cancelled'].includes(view.status)) return view
        }
        throw new Error(`job ${id} did not settle`)
      }),
    )
    const elapsedS = (performance.now() - submittedAt) / 1000
    const heldAtClose = await closer
    const batched = await first.getByTestId('batched-jobs').textContent()
    const batches = await first.getByTestId('batched-jobs').getAttribute('title')

    for (const [i, view] of views.entries()) {
      const spec = specs[i]
      if (!spec) throw new Error('no spec')
      expect(view.status, JSON.stringify(view.error)).toBe('completed')
      expect(view.results).toHaveLength(1)
      const result = view.results[0]
      expect(result?.backend).toBe('wasm')
      const manifest = policies.get(spec.model)
      for (const [name, policy] of Object.entries(manifest?.comparison ?? {})) {
        const expected = references[i]?.[name]
        const got = result?.outputs[name]
        if (!expected || !got) throw new Error(`${spec.model}: no ${name}`)
        const actual: Tensor = {
          dtype: got.dtype,
          dims: got.dims,
          data: new Uint8Array(Buffer.from(got.data, 'base64')),
        }
        const verdict = compareOutputs(policy, expected, actual)
        expect(verdict.ok, `${spec.model} #${i} ${name}: ${verdict.detail}`).toBe(true)
      }
    }
    const byWorker = new Map<string, number>()
    for (const view of views) {
      const peer = view.results[0]?.worker.peerId ?? '?'
      byWorker.set(peer, (byWorker.get(peer) ?? 0) + 1)
    }
    console.log(
      `[grid] start (engine, self-tests of every gateway model, connect) ${(startMs / 1000).toFixed(1)} s; ${views.length} jobs in ${elapsedS.toFixed(1)} s = ${(views.length / elapsedS).toFixed(1)} jobs/s; per worker ${[...byWorker.values()].join(', ')}; held by the closed tab: ${heldAtClose}; the first tab ran ${batched} jobs in ${batches} (Engine.runBatch)`,
    )
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0
    for (const model of ['silero', 'cls', 'rec'] as const) {
      const results = views.filter((_, i) => specs[i]?.model === model).map((v) => v.results[0])
      console.log(
        `[grid] ${model}: median inference ${median(results.map((r) => r?.inferenceMs ?? 0)).toFixed(1)} ms, in-worker total ${median(results.map((r) => r?.totalMs ?? 0)).toFixed(1)} ms`,
      )
    }
    const finished = views.map((v) => Date.parse(v.finishedAt ?? '') - Date.parse(v.createdAt))
    console.log(
      `[grid] submit-to-finish ms: median ${median(finished)}, max ${Math.max(...finished)}; jobs leased more than once: ${views.filter((v) => v.attempts > 1).length}`,
    )
    expect(byWorker.size).toBe(2)
    expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    await context.close()
  })
})
