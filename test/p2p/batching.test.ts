/**
 * Batching of tiny jobs, end to end in Node: the real gateway (scheduler, work protocol, SQLite),
 * the real work client over libp2p, and the browser's job runner (createEngineJobRunner) on the
 * real Engine proxy and worker host talking over a MessageChannel, with onnxruntime-node running
 * Silero VAD v5 underneath (test/worker/fakeOrtRuntime.ts). The fake runtime's gate holds runs
 * "in progress", so which jobs end up batched does not depend on timing.
 */
import { MessageChannel } from 'node:worker_threads'
import { afterEach, describe, expect, test } from 'vitest'
import { createBatchPolicy } from '../../src/p2p/createBatchPolicy.ts'
import type { WorkClientEvent } from '../../src/p2p/workClient.ts'
import { hashTensorMap } from '../../src/protocol/hash/hashTensorMap.ts'
import type { ModelId } from '../../src/protocol/messages.ts'
import type { ModelManifest } from '../../src/protocol/models/ModelManifest.ts'
import type { TensorMap } from '../../src/protocol/tensor/Tensor.ts'
import { createEngineJobRunner } from '../../src/ui/contributor/createEngineJobRunner.ts'
import {
  createEngineProxy,
  type EngineEndpoint,
} from '../../src/worker/engine/createEngineProxy.ts'
import { type EngineHostScope, serveEngine } from '../../src/worker/engine/serveEngine.ts'
import { echoModel, fakeModelCatalog, sumModel } from '../fixtures/fakeModelCatalog.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  type TestJobNetwork,
} from '../gateway/jobNetworkHarness.ts'
import { buildManifest, modelBytes, runNode, testModels } from '../worker/engineModels.ts'
import { engineWith } from '../worker/fakeOrtRuntime.ts'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

type Setup = {
  grid: TestJobNetwork
  silero: ModelManifest
  worker: SimulatedWorker
  host: ReturnType<typeof engineWith>
  /** Holds every session.run until the returned function is called. */
  hold(): () => void
  submit(inputs: readonly TensorMap[], maxAttempts?: number): Promise<string[]>
  /** The job ids of each runner call, in order ('running' events). */
  runs(): string[][]
}

/**
 * `coalesceMs` large: with a run in flight, a batch starts only once full (slots / 2 jobs), so
 * which jobs share a batch does not depend on how fast assignments arrive.
 */
async function setup(options: { slots?: number; coalesceMs?: number } = {}): Promise<Setup> {
  const silero = await buildManifest('silero')
  const catalog = fakeModelCatalog([sumModel, echoModel, silero])
  const grid = await startJobNetwork({ catalog })
  cleanups.push(() => grid.stop({ remove: true }))

  const host = engineWith({}, false)
  const { port1, port2 } = new MessageChannel()
  serveEngine(port2 as unknown as EngineHostScope, host.engine)
  port1.start()
  port2.start()
  const engine = createEngineProxy({
    worker: port1 as unknown as EngineEndpoint,
    modelSource: { get: async () => modelBytes('silero') },
    disposeTimeoutMs: 500,
  })
  cleanups.push(async () => {
    await engine.dispose()
    port1.close()
  })
  await engine.loadModel(silero, { backends: ['wasm'] })

  const runner = createEngineJobRunner({
    engine,
    serves: (modelId: ModelId) => modelId === silero.id,
  })
  const worker = await startSimulatedWorker({
    gateway: grid.multiaddrs,
    chainId: TEST_CHAIN_ID,
    slots: options.slots ?? 16,
    maxConcurrentRuns: 2,
    backends: [{ backend: 'wasm', selfTests: [{ modelId: silero.id, passed: true }] }],
    cachedModels: [silero.id],
    run: runner.runJob,
    // Silero runs in about 1 ms: the policy batches it from the start.
    batching: {
      runBatch: runner.runBatch,
      policy: createBatchPolicy({ initial: [[silero.id, 1]] }),
    },
  })
  cleanups.push(() => worker.stop())

  return {
    grid,
    silero,
    worker,
    host,
    hold() {
      let open: () => void = () => {}
      host.gate.open = new Promise((resolve) => {
        open = resolve
      })
      return open
    },
    submit: (inputs, maxAttempts) =>
      submitJobs(
        grid.network,
        inputs.map((item) => ({ model: silero.name, inputs: item, maxAttempts })),
        catalog,
      ),
    runs: () =>
      worker.events.flatMap((event: WorkClientEvent) =>
        event.type === 'running' ? [event.jobIds] : [],
      ),
  }
}

const sileroInputs = (seeds: readonly number[]) =>
  seeds.map((seed) => testModels.silero.makeInputs({ samples: 512 }, seed))

const acceptedCount = (worker: SimulatedWorker) =>
  worker.events.filter((e) => e.type === 'ack' && e.ack.accepted).length

describe('createBatchPolicy', () => {
  test('default: batches a model measured under the threshold; unknown and slow ones run alone', () => {
    const fast = `0x${'01'.repeat(32)}` as const
    const slow = `0x${'02'.repeat(32)}` as const
    const policy = createBatchPolicy({ initial: [[slow, 66]] })
    expect(policy.limit(fast)).toBe(1)
    policy.observe(fast, 1.2)
    expect(policy.limit(fast)).toBe(16)
    expect(policy.limit(slow)).toBe(1)
    // A median of recent runs: one stalled run does not flip it, a lasting change does.
    policy.observe(fast, 3000)
    expect(policy.estimate(fast)).toBe(1.2)
    expect(policy.limit(fast)).toBe(16)
    for (let i = 0; i < 4; i++) policy.observe(fast, 12)
    expect(policy.limit(fast)).toBe(1)
    expect(policy.estimate(fast)).toBe(12)
    for (let i = 0; i < 9; i++) policy.observe(fast, 0.9)
    expect(policy.estimate(fast)).toBe(0.9)
    expect(createBatchPolicy({ thresholdMs: 0, initial: [[fast, 0.5]] }).limit(fast)).toBe(1)
    expect(createBatchPolicy({ maxBatch: 4, initial: [[fast, 0.5]] }).limit(fast)).toBe(4)
  })
})

describe('work client batching', () => {
  test('default: waiting Silero jobs go to the engine in batches; each job gets its own signed result', async () => {
    const { grid, worker, host, hold, submit, runs } = await setup()
    const release = hold()
    const inputs = sileroInputs(Array.from({ length: 40 }, (_, i) => 100 + i))
    const ids = await submit(inputs)
    // Assignments keep arriving and are decoded while runs are in flight: the worker fills all
    // 16 slots with the first run held inside session.run.
    await eventually(() => worker.client.stats().held === 16, { what: '16 jobs held' })
    await eventually(() => runs().length === 2, { what: 'a single run and a batch handed over' })
    expect(runs()[0]).toHaveLength(1)
    expect(host.runs.length).toBe(1) // the self-test; the held run has not got through the gate
    release()
    await eventually(() => acceptedCount(worker) === 40, { what: '40 results accepted' })

    const calls = runs()
    expect(calls.flat().sort()).toEqual([...ids].sort())
    // At most slots / maxConcurrentRuns per batch (one batch computes while the next fills); the
    // jobs that waited behind the held runs went in full batches.
    expect(Math.max(...calls.map((call) => call.length))).toBe(8)
    expect(worker.client.stats()).toMatchObject({ runs: calls.length, resultsSent: 40, failed: 0 })
    expect(host.runs.length).toBe(1 + 40)

    for (const [i, id] of ids.entries()) {
      expect((await grid.network.scheduler.getJob(id))?.state).toBe('completed')
      const [result] = await grid.network.scheduler.getResults(id)
      const reference = await runNode('silero', inputs[i] as TensorMap)
      // Batched outputs are those of a single onnxruntime run of the job's own inputs.
      expect(result?.outputHash).toBe(await hashTensorMap(reference))
      // Timings are the job's own: its own session.run inside the batch, within its total.
      expect(result?.inferenceUs).toBeGreaterThan(0)
      expect(result?.totalUs).toBeGreaterThan(result?.inferenceUs ?? 0)
    }
  })

  test('behavior: cancelling every job of a waiting batch aborts it (it never computes); one cancelled job of a batch drops only that job', async () => {
    const { grid, worker, host, hold, submit, runs } = await setup({
      slots: 10,
      coalesceMs: 60_000,
    })
    let release = hold()
    const ids = await submit(sileroInputs([1, 2, 3, 4, 5, 6]))
    await eventually(() => runs().flat().length === 6, { what: 'all six handed over' })
    const [single, batch] = runs()
    expect(single).toHaveLength(1)
    expect(batch).toHaveLength(5)
    for (const id of batch ?? []) await grid.network.scheduler.cancel(id, 'requester-a')
    await eventually(() => worker.events.filter((e) => e.type === 'job-dropped').length === 5, {
      what: 'five jobs dropped',
    })
    const runsBefore = host.runs.length
    release()
    await eventually(() => acceptedCount(worker) === 1, { what: 'the single run accepted' })
    await new Promise((resolve) => setTimeout(resolve, 100))
    // Only the held single run computed: the aborted batch left the engine's queue.
    expect(host.runs.length - runsBefore).toBe(1)
    expect((await host.engine.getStatus()).queued).toBe(0)
    for (const id of batch ?? [])
      expect((await grid.network.scheduler.getJob(id))?.state).toBe('cancelled')
    expect((await grid.network.scheduler.getJob(single?.[0] ?? ''))?.state).toBe('completed')
    expect(ids).toContain(single?.[0])

    release = hold()
    const more = await submit(sileroInputs([7, 8, 9, 10, 11, 12]))
    await eventually(() => runs().flat().length === 12, { what: 'six more handed over' })
    expect(runs().at(-2)).toHaveLength(1)
    const partial = runs().at(-1) ?? []
    expect(partial).toHaveLength(5)
    const [dropped = '', ...kept] = partial
    await grid.network.scheduler.cancel(dropped, 'requester-a')
    await eventually(() =>
      worker.events.some((e) => e.type === 'job-dropped' && e.jobId === dropped),
    )
    release()
    await eventually(() => acceptedCount(worker) === 1 + 5, { what: 'the other five accepted' })
    for (const id of more.filter((id) => id !== dropped))
      expect((await grid.network.scheduler.getJob(id))?.state).toBe('completed')
    expect(kept).toHaveLength(4)
    expect(worker.events.some((e) => e.type === 'result-sent' && e.jobId === dropped)).toBe(false)
  })

  test('error: a job whose run fails in a batch fails alone, with a typed error; the others complete', async () => {
    const { grid, worker, host, hold, submit, runs } = await setup({
      slots: 10,
      coalesceMs: 60_000,
    })
    const inputs = sileroInputs([41, 42, 43, 44, 45, 46])
    const poisoned = inputs[3]?.input?.data.slice(0, 16) ?? new Uint8Array()
    host.failing.when = (feeds) => {
      const data = feeds.input?.data as Float32Array | undefined
      return !!data && Buffer.from(data.buffer, data.byteOffset, 16).equals(poisoned)
    }
    const release = hold()
    const ids = await submit(inputs, 1)
    await eventually(() => runs().flat().length === 6, { what: 'all six handed over' })
    const badId = ids[3] ?? ''
    expect(runs().find((call) => call.includes(badId))?.length).toBeGreaterThan(1)
    release()
    await eventually(() => acceptedCount(worker) === 5, { what: 'five results accepted' })
    await eventually(async () => (await grid.network.scheduler.getJob(badId))?.state === 'failed')
    const failed = worker.events.find((e) => e.type === 'job-failed')
    expect(failed?.type === 'job-failed' && failed.jobId).toBe(badId)
    expect(failed?.type === 'job-failed' && failed.error).toMatchObject({
      name: 'JobError',
      code: 'JOB_INFERENCE_FAILED',
      details: { engineCode: 'ENGINE_INFERENCE_FAILED' },
    })
    expect((await grid.network.scheduler.getJob(badId))?.failureMessage).toMatch(
      /JOB_INFERENCE_FAILED/,
    )
    for (const id of ids.filter((id) => id !== badId))
      expect((await grid.network.scheduler.getJob(id))?.state).toBe('completed')
  })
})
