import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, describe, expect, test } from 'vitest'
import { prepareJob } from '../../../src/gateway/api/prepareJob.ts'
import {
  createJobNetworkMetrics,
  type JobNetworkMetrics,
} from '../../../src/gateway/metrics/createJobNetworkMetrics.ts'
import { createMetrics } from '../../../src/gateway/metrics/createMetrics.ts'
import {
  type ActiveLease,
  createScheduler,
  type ModelFit,
  type Scheduler,
  type SchedulerWorker,
} from '../../../src/gateway/scheduler/createScheduler.ts'
import { createSqliteJobStore } from '../../../src/gateway/scheduler/createSqliteJobStore.ts'
import type { AcceptedResult, JobStore } from '../../../src/gateway/scheduler/JobStore.ts'
import {
  openDatabase,
  type SqliteGatewayDatabase,
} from '../../../src/gateway/storage/openDatabase.ts'
import type { AssignMessage, ModelId } from '../../../src/protocol/messages.ts'
import {
  echoModel,
  fakeModelCatalog,
  float32Tensor,
  int32Tensor,
  sumModel,
} from '../../fixtures/fakeModelCatalog.ts'
import { eventually } from '../jobNetworkHarness.ts'
import { memoryLogger } from '../memoryLogger.ts'

/**
 * The scheduler with the real SQLite store and hand-driven workers. A worker here is a plain
 * object implementing SchedulerWorker (the interface the work-protocol session implements): the
 * tests decide when each worker answers, which makes leases, expiry and restarts deterministic.
 */

type TestWorker = SchedulerWorker & {
  assigned: AssignMessage[]
  dropped: string[]
  fits: Map<string, ModelFit>
}

function testWorker(
  id: string,
  identity = `peer:${id}`,
  fits: Record<string, ModelFit> = {},
): TestWorker {
  const worker: TestWorker = {
    id,
    peerId: id,
    identity,
    wallet: undefined,
    assigned: [],
    dropped: [],
    fits: new Map(Object.entries(fits)),
    modelFit: (modelId: ModelId) => worker.fits.get(modelId) ?? 'ok',
    assign(message) {
      worker.assigned.push(message)
      return true
    },
    drop(jobId) {
      worker.dropped.push(jobId)
    },
  }
  return worker
}

type Rig = {
  scheduler: Scheduler
  store: JobStore
  database: SqliteGatewayDatabase
  dataDir: string
  metrics: JobNetworkMetrics
  clock: { now: number }
}

const rigs: Rig[] = []
afterEach(async () => {
  for (const rig of rigs.splice(0)) {
    await rig.scheduler.stop()
    await rig.database.close()
    await rm(rig.dataDir, { recursive: true, force: true })
  }
})

async function rig({
  dataDir,
  leaseMs = 60_000,
  clock = { now: Date.now() },
  backgroundRequesters,
}: {
  dataDir?: string
  leaseMs?: number
  clock?: { now: number }
  backgroundRequesters?: string[]
} = {}): Promise<Rig> {
  const dir = dataDir ?? (await mkdtemp(path.join(tmpdir(), 'grid-scheduler-')))
  const { logger } = memoryLogger('warn')
  const database = await openDatabase({ dataDir: dir, logger })
  const store = createSqliteJobStore(database.sqlite)
  const metrics = createJobNetworkMetrics(
    createMetrics({ version: 't', collectDefaults: false }).registry,
  )
  const scheduler = createScheduler(
    { leaseMs, sweepIntervalMs: 20, backgroundRequesters },
    { store, logger, metrics, now: () => clock.now },
  )
  await scheduler.start()
  const made = { scheduler, store, database, dataDir: dir, metrics, clock }
  // Leases reference worker sessions, as the work protocol records them at hello.
  for (const id of ['w', 'w1', 'w2', 'a1', 'a2', 'b', 'cold', 'warm', 'slow', 'next']) {
    await store
      .recordSession({
        sessionId: id,
        peerId: id,
        sessionKey: `0x${'11'.repeat(32)}`,
        keyType: 'Ed25519',
        clientVersion: 'test',
        connectedAt: clock.now,
      })
      .catch(() => undefined)
  }
  rigs.push(made)
  return made
}

async function submit(
  scheduler: Scheduler,
  requests: {
    requester?: string
    priority?: number
    redundancy?: number
    model?: 'sum' | 'echo'
    maxAttempts?: number
  }[],
  now = Date.now(),
): Promise<string[]> {
  const catalog = fakeModelCatalog()
  const jobs = requests.map((r, i) =>
    prepareJob({
      request: {
        model: r.model === 'echo' ? 'test-echo' : 'test-sum',
        inputs:
          r.model === 'echo'
            ? { t: int32Tensor([3], [i, i, i]) }
            : { x: float32Tensor([1, 4], [i, 0, 0, 0]) },
        outputs: undefined,
        priority: r.priority ?? 0,
        redundancy: r.redundancy ?? 1,
        maxAttempts: r.maxAttempts,
      },
      requester: r.requester ?? 'a',
      catalog,
      maxInputBytes: 1 << 20,
      defaultMaxAttempts: 3,
      now,
    }),
  )
  const outcome = await scheduler.submit(jobs)
  if (!outcome.ok) throw new Error('refused')
  return jobs.map((j) => j.id)
}

function accepted(lease: ActiveLease, worker: SchedulerWorker, at = Date.now()): AcceptedResult {
  return {
    leaseId: lease.leaseId,
    jobId: lease.jobId,
    worker: {
      sessionId: worker.id,
      peerId: worker.peerId,
      identity: worker.identity,
      wallet: worker.wallet,
    },
    sessionKey: `0x${'11'.repeat(32)}`,
    keyType: 'Ed25519',
    backend: 'wasm',
    outputs: new Uint8Array([1]),
    outputHash: `0x${'22'.repeat(32)}`,
    signature: `0x${'33'.repeat(64)}`,
    inferenceUs: 1,
    totalUs: 2,
    receivedAt: at,
  }
}

async function complete(scheduler: Scheduler, worker: TestWorker, jobId: string) {
  const lease = scheduler.claimLease(worker.id, jobId)
  if (!lease) throw new Error(`${worker.id} holds no lease on ${jobId}`)
  return scheduler.completeResult(lease, accepted(lease, worker))
}

async function settle(): Promise<void> {
  // Two macrotask turns: the pump runs in setImmediate, its leases are awaited inside.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}

describe('scheduler', () => {
  test('default: fills a worker up to its slots, then waits for results', async () => {
    const { scheduler } = await rig()
    await submit(
      scheduler,
      Array.from({ length: 5 }, () => ({})),
    )
    const w = testWorker('w1')
    scheduler.addWorker(w, 2)
    await settle()
    expect(w.assigned).toHaveLength(2)
    await complete(scheduler, w, w.assigned[0]?.jobId ?? '')
    await settle()
    expect(w.assigned).toHaveLength(3)
    expect(scheduler.stats()).toMatchObject({ workers: 1, queued: 2, activeLeases: 2 })
  })

  test('behavior: fair between requesters, priority within one', async () => {
    const { scheduler } = await rig()
    // Requester a floods first; b submits later with a few jobs: b must not wait behind a.
    const a = await submit(
      scheduler,
      Array.from({ length: 10 }, () => ({ requester: 'a' })),
    )
    const bLow = await submit(scheduler, [{ requester: 'b', priority: 0 }])
    const bHigh = await submit(scheduler, [{ requester: 'b', priority: 5 }])
    const w = testWorker('w1')
    scheduler.addWorker(w, 4)
    await settle()
    const order = w.assigned.map((m) => m.jobId)
    expect(order).toEqual([a[0], bHigh[0], a[1], bLow[0]])
  })

  test('behavior: a background requester gets only what nobody else can use', async () => {
    const { scheduler } = await rig({ backgroundRequesters: ['demo'] })
    // The demo queued first, at a higher priority, and 'demo' sorts before 'z': still last.
    const demo = await submit(scheduler, [
      { requester: 'demo', priority: 1000 },
      { requester: 'demo', priority: 1000 },
    ])
    const z = await submit(scheduler, [{ requester: 'z' }, { requester: 'z', model: 'echo' }])
    expect(scheduler.requesterLoad('demo')).toEqual({ open: 2, queued: 2 })
    const w = testWorker('w1', 'peer:w1', { [echoModel.id]: 'no' })
    scheduler.addWorker(w, 3)
    await settle()
    // z's echo job fits no worker, so the spare slots go to the demo.
    expect(w.assigned.map((m) => m.jobId)).toEqual([z[0], demo[0], demo[1]])
    expect(scheduler.requesterLoad('demo')).toEqual({ open: 2, queued: 0 })
    expect(scheduler.requesterLoad('z')).toEqual({ open: 2, queued: 1 })
    expect(scheduler.openJobIds('demo').sort()).toEqual([...demo].sort())
    expect(scheduler.canRun(echoModel.id)).toBe(false)
    expect(scheduler.canRun(sumModel.id)).toBe(true)
    await complete(scheduler, w, demo[0] ?? '')
    expect(scheduler.requesterLoad('demo')).toEqual({ open: 1, queued: 0 })
  })

  test('behavior: deleteFinishedJobs removes only finished jobs of the requester, with their rows', async () => {
    const { scheduler, store, database } = await rig()
    const [done = '', cancelled = '', open = ''] = await submit(scheduler, [
      { requester: 'demo' },
      { requester: 'demo' },
      { requester: 'demo' },
    ])
    const [other = ''] = await submit(scheduler, [{ requester: 'a' }])
    await scheduler.cancel(cancelled, 'demo')
    const w = testWorker('w1')
    scheduler.addWorker(w, 2)
    await settle()
    expect(w.assigned.map((m) => m.jobId).sort()).toEqual([done, other].sort())
    await complete(scheduler, w, done)
    await complete(scheduler, w, other)
    expect((await store.getJob(other))?.state).toBe('completed')

    expect(await store.deleteFinishedJobs([done, cancelled, open, other], 'demo')).toBe(2)
    expect(await store.getJob(done)).toBeUndefined()
    expect(await store.getJob(cancelled)).toBeUndefined()
    expect(await store.getResults(done)).toEqual([])
    expect((await store.getJob(open))?.state).toBe('queued')
    expect((await store.getJob(other))?.state).toBe('completed')
    const count = (sql: string) => (database.sqlite.prepare(sql).get() as { n: number }).n
    expect(count('SELECT count(*) AS n FROM job_inputs')).toBe(2)
    expect(count(`SELECT count(*) AS n FROM job_leases WHERE job_id = '${done}'`)).toBe(0)
    expect(await store.deleteFinishedJobs([done], 'demo')).toBe(0)
  })

  test('behavior: prefers a worker that has the model cached', async () => {
    const { scheduler } = await rig()
    const cold = testWorker('cold')
    const warm = testWorker('warm', 'peer:warm', { [echoModel.id]: 'cached' })
    scheduler.addWorker(cold, 4)
    scheduler.addWorker(warm, 1)
    await settle()
    await submit(scheduler, [{ model: 'echo' }])
    await settle()
    expect(warm.assigned).toHaveLength(1)
    expect(cold.assigned).toHaveLength(0)
  })

  test('behavior: a worker that cannot run a model gets none of its jobs', async () => {
    const { scheduler } = await rig()
    const noSum = testWorker('w', 'peer:w', { [sumModel.id]: 'no' })
    scheduler.addWorker(noSum, 4)
    await submit(scheduler, [{ model: 'sum' }, { model: 'echo' }])
    await settle()
    expect(noSum.assigned.map((m) => m.modelId)).toEqual([echoModel.id])
  })

  test('behavior: redundancy k=2 never gives two replicas to one identity', async () => {
    const { scheduler } = await rig()
    const [id = ''] = await submit(scheduler, [{ redundancy: 2 }])
    const a1 = testWorker('a1', '0xAlice')
    const a2 = testWorker('a2', '0xAlice')
    scheduler.addWorker(a1, 1)
    scheduler.addWorker(a2, 1)
    await settle()
    expect(a1.assigned.length + a2.assigned.length).toBe(1)
    const b = testWorker('b', '0xBob')
    scheduler.addWorker(b, 1)
    await settle()
    expect(b.assigned.map((m) => m.jobId)).toEqual([id])
    const first = a1.assigned.length ? a1 : a2
    expect(await complete(scheduler, first, id)).toMatchObject({
      accepted: true,
      jobState: 'leased',
    })
    expect(await complete(scheduler, b, id)).toMatchObject({
      accepted: true,
      jobState: 'completed',
    })
    expect((await scheduler.getResults(id)).length).toBe(2)
  })

  test('behavior: a lease expires, the job returns to the queue and goes to the next worker', async () => {
    const clock = { now: Date.now() }
    const { scheduler, database } = await rig({ leaseMs: 1000, clock })
    const [id = ''] = await submit(scheduler, [{}])
    const slow = testWorker('slow')
    scheduler.addWorker(slow, 1)
    await settle()
    expect(slow.assigned).toHaveLength(1)
    clock.now += 1001
    await eventually(() => slow.dropped.includes(id))
    // Back in the queue, it is leased again (to the only worker, whose slot is free again).
    await eventually(() => slow.assigned.length === 2)
    const leases = database.sqlite
      .prepare('SELECT state, end_code AS code FROM job_leases WHERE job_id = ? ORDER BY id')
      .all(id)
    expect(leases).toEqual([
      { state: 'expired', code: 'JOB_LEASE_EXPIRED' },
      { state: 'active', code: null },
    ])
    expect(slow.assigned[1]?.attempt).toBe(2)
    const job = await scheduler.getJob(id)
    expect(job).toMatchObject({ failures: 1, leasesIssued: 2, state: 'leased' })
  })

  test('behavior: a result arriving after the deadline but before the sweep is refused as expired', async () => {
    const clock = { now: Date.now() }
    const { scheduler } = await rig({ leaseMs: 1000, clock })
    const [id = ''] = await submit(scheduler, [{}])
    const w = testWorker('w')
    scheduler.addWorker(w, 1)
    await settle()
    const lease = scheduler.claimLease('w', id)
    if (!lease) throw new Error('no lease')
    const late = accepted(lease, w, lease.deadline + 1)
    expect(await scheduler.completeResult(lease, late)).toEqual({
      accepted: false,
      code: 'JOB_LEASE_EXPIRED',
    })
    expect((await scheduler.getJob(id))?.results).toBe(0)
  })

  test('behavior: exactly once under concurrent completions of the same lease', async () => {
    const { scheduler } = await rig()
    const [id = ''] = await submit(scheduler, [{}])
    const w = testWorker('w')
    scheduler.addWorker(w, 1)
    await settle()
    const lease = scheduler.claimLease('w', id)
    if (!lease) throw new Error('no lease')
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () => scheduler.completeResult(lease, accepted(lease, w))),
    )
    expect(outcomes.filter((o) => o.accepted)).toHaveLength(1)
    expect(
      outcomes
        .filter((o) => !o.accepted)
        .every((o) => !o.accepted && o.code === 'RESULT_NOT_LEASED'),
    ).toBe(true)
    expect((await scheduler.getResults(id)).length).toBe(1)
  })

  test('behavior: a restart keeps queued jobs and requeues leased ones, completing none twice', async () => {
    const first = await rig()
    const ids = await submit(
      first.scheduler,
      Array.from({ length: 4 }, () => ({})),
    )
    const w = testWorker('w')
    first.scheduler.addWorker(w, 3)
    await settle()
    expect(w.assigned).toHaveLength(3)
    // One completes before the "crash"; two are leased; one never left the queue.
    const done = w.assigned[0]?.jobId ?? ''
    await complete(first.scheduler, w, done)
    // Close the database under the scheduler, as a crash would (no graceful release).
    rigs.splice(rigs.indexOf(first), 1)
    await first.database.close()

    const second = await rig({ dataDir: first.dataDir })
    const states = await Promise.all(
      ids.map(async (id) => (await second.scheduler.getJob(id))?.state),
    )
    expect(states.filter((s) => s === 'completed')).toHaveLength(1)
    expect(states.filter((s) => s === 'queued')).toHaveLength(3)
    const leases = second.database.sqlite
      .prepare<[], { state: string; n: number }>(
        'SELECT state, count(*) AS n FROM job_leases GROUP BY state ORDER BY state',
      )
      .all()
    expect(leases).toEqual([
      { state: 'completed', n: 1 },
      { state: 'released', n: 2 },
    ])
    const w2 = testWorker('w2')
    second.scheduler.addWorker(w2, 8)
    await settle()
    expect(w2.assigned.map((m) => m.jobId).sort()).toEqual(ids.filter((id) => id !== done).sort())
    for (const message of w2.assigned) await complete(second.scheduler, w2, message.jobId)
    for (const id of ids) expect((await second.scheduler.getResults(id)).length).toBe(1)
    // A restart is not the job's fault: no failure was counted.
    for (const id of ids) expect((await second.scheduler.getJob(id))?.failures).toBe(0)
  })

  test('behavior: removing a worker requeues its leases as failed attempts', async () => {
    const { scheduler } = await rig()
    const [id = ''] = await submit(scheduler, [{ maxAttempts: 1 }])
    const w = testWorker('w')
    scheduler.addWorker(w, 1)
    await settle()
    await scheduler.removeWorker('w', 'WORK_WORKER_DISCONNECTED', true)
    const job = await scheduler.getJob(id)
    expect(job).toMatchObject({ state: 'failed', failureCode: 'JOB_ATTEMPTS_EXHAUSTED' })
    expect(job?.failureMessage).toContain('WORK_WORKER_DISCONNECTED')
  })

  test('behavior: cancel ends the job and tells the worker; cancelling again is refused', async () => {
    const { scheduler } = await rig()
    const [id = ''] = await submit(scheduler, [{}])
    const w = testWorker('w')
    scheduler.addWorker(w, 1)
    await settle()
    expect(await scheduler.cancel(id, 'someone-else')).toEqual({ outcome: 'not-found' })
    expect(await scheduler.cancel(id, 'a')).toMatchObject({ outcome: 'cancelled' })
    expect(w.dropped).toEqual([id])
    expect(await scheduler.cancel(id, 'a')).toEqual({
      outcome: 'not-cancellable',
      state: 'cancelled',
    })
    expect(scheduler.claimLease('w', id)).toBeUndefined()
  })

  test('behavior: waitForSettled resolves when the job completes, or at its timeout', async () => {
    const { scheduler } = await rig()
    const [id = ''] = await submit(scheduler, [{}])
    const started = performance.now()
    await scheduler.waitForSettled(id, { timeoutMs: 50 })
    expect(performance.now() - started).toBeGreaterThanOrEqual(45)
    const w = testWorker('w')
    scheduler.addWorker(w, 1)
    await settle()
    const waiting = scheduler.waitForSettled(id, { timeoutMs: 10_000 })
    await complete(scheduler, w, id)
    await waiting
    expect((await scheduler.getJob(id))?.state).toBe('completed')
  })
})
