import '../../../src/p2p/polyfills.node.ts'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Database } from 'better-sqlite3'
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest'
import { prepareJob } from '../../../src/gateway/api/prepareJob.ts'
import { parseJobNetworkConfig } from '../../../src/gateway/config/parseJobNetworkConfig.ts'
import { createGateway, type Gateway } from '../../../src/gateway/createGateway.ts'
import { createJobNetwork, type JobNetwork } from '../../../src/gateway/createJobNetwork.ts'
import {
  createDemoRequester,
  DEMO_REQUESTER,
  type DemoRequester,
  type DemoRequesterInit,
} from '../../../src/gateway/demo/createDemoRequester.ts'
import { createMetrics, type GatewayMetrics } from '../../../src/gateway/metrics/createMetrics.ts'
import { createModelRegistry } from '../../../src/gateway/models/createModelRegistry.ts'
import type { ModelRegistry } from '../../../src/gateway/models/ModelRegistry.ts'
import { createOnnxInspector } from '../../../src/gateway/models/onnx/createOnnxInspector.ts'
import { createSqliteModelRepository } from '../../../src/gateway/models/storage/createSqliteModelRepository.ts'
import { matchInputs } from '../../../src/gateway/scheduler/matchTensorSpecs.ts'
import { modelCatalogFromRegistry } from '../../../src/gateway/scheduler/modelCatalogFromRegistry.ts'
import { openDatabase } from '../../../src/gateway/storage/openDatabase.ts'
import type { RunJob } from '../../../src/p2p/workClient.ts'
import type { AssignMessage } from '../../../src/protocol/messages.ts'
import {
  type SimulatedWorker,
  sleep,
  startSimulatedWorker,
} from '../../fixtures/simulatedWorker.ts'
import { runNode, type TestModelName } from '../../worker/engineModels.ts'
import { eventually, TEST_CHAIN_ID, TEST_ORIGIN } from '../jobNetworkHarness.ts'
import { type LogLine, memoryLogger } from '../memoryLogger.ts'

/**
 * The demo requester in a real gateway built as main builds it: the real model registry (the four
 * built-in models, known answers from onnxruntime-node), the job network on SQLite in a temp dir,
 * and simulated workers over real libp2p that run the real models with onnxruntime-node. So the
 * demo's inputs are checked by the real manifests, and what it reads back is the models' answer.
 */

const testNames: Record<string, TestModelName> = {
  'silero-vad-v5': 'silero',
  'ppocr-v4-det': 'det',
  'ppocr-v4-rec': 'rec',
  'ppocr-mobile-v2-cls': 'cls',
}

type Grid = {
  gateway: Gateway
  sqlite: Database
  network: JobNetwork
  registry: ModelRegistry
  metrics: GatewayMetrics
  demo: DemoRequester | undefined
  lines(): LogLine[]
  workers: SimulatedWorker[]
  /** A simulated worker that runs the real models (or `run`), recording its assignments. */
  addWorker(options?: { slots?: number; run?: RunJob }): Promise<AssignMessage[]>
  stop(): Promise<void>
}

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

// Known answers are computed once (onnxruntime-node, a few seconds) and copied into each grid.
let seedDir: string
beforeAll(async () => {
  seedDir = await mkdtemp(path.join(tmpdir(), 'grid-demo-seed-'))
  const grid = await startGrid(undefined, { dataDir: seedDir })
  await grid.stop()
}, 120_000)
afterAll(async () => {
  await rm(seedDir, { recursive: true, force: true })
})

/** A fresh data directory with the seed's model cache; removed after the test. */
async function freshDataDir(): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'grid-demo-'))
  await cp(path.join(seedDir, 'models'), path.join(dataDir, 'models'), { recursive: true })
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
  return dataDir
}

async function startGrid(
  demoInit: DemoRequesterInit | undefined,
  { dataDir: dir }: { dataDir?: string } = {},
): Promise<Grid> {
  const dataDir = dir ?? (await freshDataDir())
  const { logger, lines } = memoryLogger('debug')
  const database = await openDatabase({ dataDir, logger })
  const metrics = createMetrics({ version: 'test', collectDefaults: false })
  const registry = createModelRegistry({
    dataDir,
    repository: createSqliteModelRepository({ sqlite: database.sqlite }),
    inspector: createOnnxInspector({ logger }),
    logger,
  })
  const parsed = parseJobNetworkConfig({
    args: ['--p2p-ws-port', '0', '--p2p-webrtc-port', '0'],
    host: '127.0.0.1',
  })
  const network = createJobNetwork({
    config: {
      ...parsed,
      leaseMs: 30_000,
      heartbeatMs: 1_000,
      gridOrigins: [TEST_ORIGIN],
      chainId: TEST_CHAIN_ID,
      p2p: { ...parsed.p2p, inboundConnectionsPerHostPerSecond: 1000 },
    },
    dataDir,
    sqlite: database.sqlite,
    catalog: modelCatalogFromRegistry(registry),
    logger,
    registry: metrics.registry,
    version: 'test',
    defaultOrigins: () => [TEST_ORIGIN],
  })
  const demo =
    demoInit &&
    createDemoRequester(demoInit, {
      scheduler: network.scheduler,
      store: network.store,
      models: registry,
      logger,
      registry: metrics.registry,
    })
  const gateway = createGateway({
    config: {
      host: '127.0.0.1',
      port: 0,
      appDir: path.join(dataDir, 'no-app'),
      publicUrl: undefined,
    },
    logger,
    database,
    metrics,
    version: 'test',
    models: registry,
    jobNetwork: network,
    demo,
  })
  await gateway.start()
  const workers: SimulatedWorker[] = []
  const grid: Grid = {
    gateway,
    sqlite: database.sqlite,
    network,
    registry,
    metrics,
    demo,
    lines,
    workers,
    async addWorker({ slots = 2, run } = {}) {
      const assigned: AssignMessage[] = []
      const runReal: RunJob = async (job) => {
        const name = registry.get(job.modelId)?.manifest.name ?? ''
        const model = testNames[name]
        if (!model) throw new Error(`no test model for ${name}`)
        const outputs = await runNode(model, job.inputs)
        return { outputs, backend: 'wasm', inferenceMs: 1 }
      }
      const worker = await startSimulatedWorker({
        gateway: network.networkInfo().multiaddrs,
        chainId: TEST_CHAIN_ID,
        slots,
        run: (job, options) => {
          assigned.push(job)
          return (run ?? runReal)(job, options)
        },
      })
      workers.push(worker)
      return assigned
    },
    async stop() {
      for (const worker of workers.splice(0)) await worker.stop().catch(() => undefined)
      if (gateway.isStarted()) await gateway.stop()
    },
  }
  cleanups.push(() => grid.stop())
  return grid
}

const demoLines = (grid: Grid) => grid.lines().filter((line) => line.name === 'gateway:demo')

describe('demo requester', () => {
  test('default: with a worker attached, sample jobs of every built-in model arrive, match their manifests, and the demo reads the answers', async () => {
    const grid = await startGrid({ ratePerSecond: 20, maxOpen: 4 })
    const assigned = await grid.addWorker({ slots: 4 })
    await eventually(() => (grid.demo?.stats().completed ?? 0) >= 12, {
      timeoutMs: 60_000,
      what: 'twelve demo jobs completed',
    })
    const byModel = new Map<string, number>()
    for (const job of assigned) {
      const registered = grid.registry.get(job.modelId)
      if (!registered)
        throw new Error(`assigned a model the gateway does not serve: ${job.modelId}`)
      // What reached the worker is what the manifest asks for (names, dtypes, dims).
      expect(matchInputs(registered.manifest, job.inputs).ok).toBe(true)
      byModel.set(registered.manifest.name, (byModel.get(registered.manifest.name) ?? 0) + 1)
    }
    expect([...byModel.keys()].sort()).toEqual([
      'ppocr-mobile-v2-cls',
      'ppocr-v4-det',
      'ppocr-v4-rec',
      'silero-vad-v5',
    ])

    // Answers read back: onnxruntime-node is the reference, so every one is the expected one.
    const stats = grid.demo?.stats()
    expect(stats?.expected).toBe(stats?.completed)
    const said = demoLines(grid).map((line) => line.msg)
    expect(said).toContainEqual(expect.stringMatching(/^demo: rec read '[1-9]{3,12}'$/))
    expect(said).toContainEqual(expect.stringMatching(/^demo: cls (0|180) degrees/))
    expect(said).toContainEqual(expect.stringMatching(/^demo: det text on \d+\.\d% of the page$/))
    expect(said).toContainEqual(expect.stringMatching(/^demo: vad speech probability 0\.\d\d$/))
    const rec = demoLines(grid).find((line) => line.msg.startsWith('demo: rec read'))
    expect(rec).toMatchObject({ level: 'debug', matches: true, expected: { kind: 'text' } })
    const { text } = (rec?.expected ?? {}) as { text?: string }
    expect(rec?.msg).toBe(`demo: rec read '${text}'`)

    const metrics = await grid.metrics.registry.metrics()
    const completed =
      /inference_grid_demo_jobs_completed_total\{model="ppocr-v4-rec",expected="true"\} (\d+)/.exec(
        metrics,
      )
    expect(Number(completed?.[1])).toBeGreaterThanOrEqual(1)

    // Read, then deleted with inputs and outputs (a rec answer is 1 MiB): once the demo stops,
    // only jobs open at that moment (at most the cap) are left.
    await grid.demo?.stop()
    const rows = (table: string) =>
      (grid.sqlite.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n
    expect(stats?.completed).toBeGreaterThanOrEqual(12)
    expect(rows('jobs')).toBeLessThanOrEqual(4)
    expect(rows('job_inputs')).toBeLessThanOrEqual(4)
    expect(rows('job_results')).toBeLessThanOrEqual(4)
  })

  test('behavior: nothing is submitted while no worker is connected', async () => {
    const grid = await startGrid({ ratePerSecond: 50, maxOpen: 4 })
    await eventually(() => (grid.demo?.stats().ticks ?? 0) >= 20, { what: 'twenty demo ticks' })
    expect(grid.demo?.stats()).toMatchObject({ submitted: 0 })
    expect(grid.demo?.stats().skipped['no-worker']).toBeGreaterThanOrEqual(20)
    expect(grid.network.scheduler.requesterLoad(DEMO_REQUESTER).open).toBe(0)
    expect(await grid.network.store.counts()).toEqual({ queued: 0, leased: 0 })
    // The same demo submits as soon as one is.
    await grid.addWorker()
    await eventually(() => (grid.demo?.stats().submitted ?? 0) > 0, { what: 'a demo job' })
  })

  test("behavior: a real requester's job is leased before the demo jobs already waiting", async () => {
    const grid = await startGrid({ ratePerSecond: 50, maxOpen: 3 })
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const order: string[] = []
    const assigned = await grid.addWorker({
      slots: 1,
      run: async (job) => {
        order.push(job.jobId)
        if (order.length === 1) await gate
        const name = grid.registry.get(job.modelId)?.manifest.name ?? ''
        const outputs = await runNode(testNames[name] ?? 'cls', job.inputs)
        return { outputs, backend: 'wasm', inferenceMs: 1 }
      },
    })
    // One demo job held by the only slot, two more waiting.
    const scheduler = grid.network.scheduler
    await eventually(() => scheduler.requesterLoad(DEMO_REQUESTER).queued === 2, {
      what: 'two demo jobs waiting',
    })
    expect(scheduler.requesterLoad(DEMO_REQUESTER).open).toBe(3)
    const waitingDemo = scheduler.openJobIds(DEMO_REQUESTER).filter((id) => id !== order[0])
    expect(await scheduler.getJob(waitingDemo[0] ?? '')).toMatchObject({
      requester: DEMO_REQUESTER,
      priority: -1000,
      redundancy: 1,
      state: 'queued',
    })

    const cls = grid.registry.list().find((model) => model.name === 'ppocr-mobile-v2-cls')
    const manifest = cls && grid.registry.get(cls.id)?.manifest
    if (!manifest) throw new Error('no cls model')
    const real = prepareJob({
      request: {
        model: manifest.id,
        inputs: manifest.knownAnswer.inputs,
        outputs: undefined,
        priority: 0,
        redundancy: 1,
        maxAttempts: undefined,
      },
      requester: 'key-0123456789ab',
      catalog: modelCatalogFromRegistry(grid.registry),
      maxInputBytes: 1 << 24,
      defaultMaxAttempts: 3,
      now: Date.now(),
    })
    expect((await scheduler.submit([real])).ok).toBe(true)
    const skippedBefore = grid.demo?.stats().skipped['others-waiting'] ?? 0
    await eventually(() => (grid.demo?.stats().skipped['others-waiting'] ?? 0) > skippedBefore, {
      what: 'the demo to hold back while a real job waits',
    })
    release()
    await eventually(() => order.length >= 4, { timeoutMs: 30_000, what: 'four assignments' })
    expect(order[1]).toBe(real.id)
    expect(order.slice(2, 4).sort()).toEqual([...waitingDemo].sort())
    expect(assigned.map((job) => job.jobId).slice(0, 4)).toEqual(order.slice(0, 4))
    expect((await scheduler.getJob(real.id))?.state).not.toBe('queued')
  })

  test('behavior: open demo jobs never exceed the cap, however fast it ticks', async () => {
    const grid = await startGrid({ ratePerSecond: 100, maxOpen: 3 })
    const scheduler = grid.network.scheduler
    await grid.addWorker({
      slots: 2,
      run: async (job, { signal }) => {
        await sleep(100, signal)
        const name = grid.registry.get(job.modelId)?.manifest.name ?? ''
        const outputs = await runNode(testNames[name] ?? 'cls', job.inputs)
        return { outputs, backend: 'wasm', inferenceMs: 1 }
      },
    })
    let maxOpen = 0
    await eventually(
      () => {
        maxOpen = Math.max(maxOpen, scheduler.requesterLoad(DEMO_REQUESTER).open)
        return (grid.demo?.stats().completed ?? 0) >= 12
      },
      { timeoutMs: 60_000, intervalMs: 5, what: 'twelve demo jobs completed' },
    )
    expect(maxOpen).toBe(3)
    expect(grid.demo?.stats().skipped.cap).toBeGreaterThan(0)
  })

  test('behavior: demo jobs a previous run left are cancelled at start, not counted', async () => {
    const dataDir = await freshDataDir()
    const first = await startGrid({ ratePerSecond: 50, maxOpen: 3 }, { dataDir })
    await first.addWorker({
      slots: 1,
      run: async (_job, { signal }) => {
        await sleep(600_000, signal)
        throw new Error('unreachable')
      },
    })
    await eventually(() => first.network.scheduler.requesterLoad(DEMO_REQUESTER).open === 3, {
      what: 'three demo jobs open',
    })
    const left = first.network.scheduler.openJobIds(DEMO_REQUESTER)
    await first.stop()

    const second = await startGrid({ ratePerSecond: 50, maxOpen: 3 }, { dataDir })
    expect(second.network.scheduler.requesterLoad(DEMO_REQUESTER).open).toBe(0)
    // Cancelled, then deleted like every finished demo job.
    expect(left).toHaveLength(3)
    for (const id of left) expect(await second.network.scheduler.getJob(id)).toBeUndefined()
    expect(
      demoLines(second).find((line) => line.msg.startsWith('demo requester on')),
    ).toMatchObject({
      cancelledLeftovers: 3,
    })
  })

  test('behavior: a demo job no worker finishes is cancelled after the timeout, making room', async () => {
    const grid = await startGrid({ ratePerSecond: 50, maxOpen: 1, settleTimeoutMs: 300 })
    await grid.addWorker({
      slots: 1,
      run: async (_job, { signal }) => {
        await sleep(600_000, signal)
        throw new Error('unreachable')
      },
    })
    await eventually(() => (grid.demo?.stats().submitted ?? 0) >= 3, {
      timeoutMs: 30_000,
      what: 'three demo jobs, one at a time',
    })
    expect(grid.demo?.stats().unfinished).toBeGreaterThanOrEqual(2)
    expect(grid.network.scheduler.requesterLoad(DEMO_REQUESTER).open).toBeLessThanOrEqual(1)
    expect(demoLines(grid).map((line) => line.msg)).toContainEqual(
      expect.stringMatching(/job not done in time; cancelled$/),
    )
  })
})
