import type { Address } from 'viem'
import type { AssignMessage, ModelId } from '../../protocol/messages.ts'
import { PROTOCOL_VERSION } from '../../protocol/messages.ts'
import { type Logger, namespacedLogger } from '../logging/createLogger.ts'
import type { JobNetworkMetrics } from '../metrics/createJobNetworkMetrics.ts'
import type { Startable } from '../Startable.ts'
import { decodeTensorMapCanonical } from './decodeTensorMapCanonical.ts'
import { FairQueue, type QueueEntry } from './FairQueue.ts'
import {
  type AcceptedResult,
  type CancelJobReturnType,
  type CreatedLease,
  type EndLeaseReturnType,
  type InsertJobsReturnType,
  type JobRow,
  type JobStore,
  type NewJob,
  type QuotaCheck,
  type ResultRow,
  TERMINAL_JOB_STATES,
} from './JobStore.ts'

/** How a worker fits a model: has it cached (preferred), can fetch it, or cannot run it. */
export type ModelFit = 'cached' | 'ok' | 'no'

/** A connected worker as the scheduler sees it; implemented by the work-protocol session. */
export type SchedulerWorker = {
  /** The session id (one per work stream). */
  readonly id: string
  readonly peerId: string
  /** Wallet address, or `peer:<peerId>` for anonymous workers: replicas go to distinct ones. */
  readonly identity: string
  readonly wallet?: Address | undefined
  modelFit(modelId: ModelId): ModelFit
  /** Sends an assignment; false when the session can no longer send. */
  assign(message: AssignMessage): boolean
  /** Tells the worker to drop a job it holds (lease expired, job cancelled or failed). */
  drop(jobId: string, code: 'JOB_LEASE_EXPIRED' | 'JOB_CANCELLED'): void
}

/** A lease the scheduler holds in memory while it is active. */
export type ActiveLease = CreatedLease & {
  workerId: string
  identity: string
  /** Set while a result for it is being checked: the expiry sweep leaves it alone. */
  claimed: boolean
  /**
   * `performance.now()` when the assignment was handed to the worker's session (0 before): the
   * start of the worker overhead the session measures when the result arrives.
   */
  assignedAt: number
}

export type SchedulerInit = {
  /** How long a worker has to return a result. */
  leaseMs: number
  /** How often to look for expired leases. Default min(1000, leaseMs / 4). */
  sweepIntervalMs?: number | undefined
  /** Jobs examined per (requester, model) when the first ones fit no free worker. Default 32. */
  lookahead?: number | undefined
  /**
   * Requesters whose jobs only use capacity no other requester's jobs can use (the demo
   * requester): leased after every other queued job a free worker can take.
   */
  backgroundRequesters?: readonly string[] | undefined
}

export type SchedulerComponents = {
  store: JobStore
  logger: Logger
  metrics: JobNetworkMetrics
  /** Milliseconds since the epoch; tests may pass their own clock. */
  now?: (() => number) | undefined
  /** Called when a job has all its replicas' results (the verifier takes it from there). */
  onJobCompleted?: ((jobId: string) => void) | undefined
  /** Identities (wallets, `peer:` ids) that get no new leases: suspended by their standing. */
  isSuspended?: ((identity: string) => boolean) | undefined
}

export type CompleteResultReturnType =
  | { accepted: true; jobState: JobRow['state'] }
  | { accepted: false; code: 'RESULT_NOT_LEASED' | 'JOB_LEASE_EXPIRED' }

export type SchedulerStats = {
  workers: number
  /** Sum over workers of free slots. */
  freeSlots: number
  /** Open jobs still needing a lease. */
  queued: number
  /** Open jobs whose every replica is leased or answered. */
  leased: number
  activeLeases: number
}

/** One requester's share of the open jobs. */
export type RequesterLoad = {
  /** Not yet completed, failed or cancelled (queued or leased). */
  open: number
  /** Of those, needing a lease now. */
  queued: number
}

export type Scheduler = Startable & {
  /** Stores jobs (atomically, within the quota) and queues them. */
  submit(jobs: readonly NewJob[], quota?: QuotaCheck): Promise<InsertJobsReturnType>
  cancel(jobId: string, requester: string): Promise<CancelJobReturnType>
  getJob(jobId: string): Promise<JobRow | undefined>
  getResults(jobId: string): Promise<ResultRow[]>
  /** Resolves when the job is completed, failed or cancelled, or after `timeoutMs`. */
  waitForSettled(jobId: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<void>

  /** A worker said hello with `slots` free slots. */
  addWorker(worker: SchedulerWorker, slots: number): void
  /** The worker now holds at most `slots` jobs at once (0 pauses it; see SlotsMessage). */
  setSlots(workerId: string, slots: number): void
  /**
   * The worker is gone: its unclaimed leases end with `code` and their jobs are requeued. A lost
   * worker (disconnect, timeout) counts as a failed attempt; a gateway stop does not.
   */
  removeWorker(workerId: string, code: string, countsAsFailure: boolean): Promise<void>
  /** Takes the worker's active lease on `jobId` for result checking, or undefined. */
  claimLease(workerId: string, jobId: string): ActiveLease | undefined
  /** Records a checked result for a claimed lease. */
  completeResult(lease: ActiveLease, result: AcceptedResult): Promise<CompleteResultReturnType>
  /**
   * Ends a lease without a result: the worker reported an error, or its result was rejected.
   * `countsAsFailure` false for a worker that paused (JOB_CANCELLED from the worker).
   */
  failLease(lease: ActiveLease, code: string, countsAsFailure: boolean): Promise<void>
  /**
   * Verification wants one more result for a completed job (a tie between replicas, or a
   * result found invalid): the job is queued again for an identity that has not answered it.
   */
  addReplica(jobId: string): Promise<boolean>
  stats(): SchedulerStats
  requesterLoad(requester: string): RequesterLoad
  /** Ids of a requester's open jobs (a scan: not for the hot path). */
  openJobIds(requester: string): string[]
  /** Whether some connected worker can run the model (free slots or not). */
  canRun(modelId: ModelId): boolean
  /** How many connected workers can run the model (self-test passed, not refused). */
  workersFor(modelId: ModelId): number
}

export type CreateSchedulerReturnType = Scheduler

type OpenJob = QueueEntry & {
  redundancy: number
  /** Replicas still to lease: redundancy - results - active leases. */
  needed: number
  /** Identities holding an active lease or having answered: a replica goes to someone else. */
  busy: Set<string>
}

type WorkerState = {
  worker: SchedulerWorker
  capacity: number
  /** Active leases by job id, plus leases being made (counted so no slot is overfilled). */
  leases: Map<string, ActiveLease>
  pending: number
}

/**
 * The scheduler: matches queued jobs to connected workers and keeps leases. The database
 * (JobStore) is the truth and every state change is one guarded transaction there; this keeps
 * in memory what the hot path needs (open jobs in fair order, workers and their slots, active
 * leases) and rebuilds it at start, when leases a previous process left active are released.
 *
 * Matching: among requesters, the one with the least service so far (FairQueue); among its jobs,
 * the highest priority then the oldest that some free worker can run; among those workers, one
 * with the model cached first, then the one with the most free slots. Leases expire after
 * `leaseMs`; an expired lease, a worker's error or its disconnection counts as a failed attempt,
 * the job goes back to the queue, and after `maxAttempts` failures the job fails with its reason.
 */
export function createScheduler(
  init: SchedulerInit,
  components: SchedulerComponents,
): CreateSchedulerReturnType {
  const { store, metrics } = components
  const logger = namespacedLogger(components.logger, 'gateway:scheduler')
  const now = components.now ?? Date.now
  const { leaseMs } = init
  const sweepIntervalMs = init.sweepIntervalMs ?? Math.max(10, Math.min(1000, leaseMs / 4))
  const lookahead = init.lookahead ?? 32

  const queue = new FairQueue<OpenJob>({ backgroundRequesters: init.backgroundRequesters })
  const backgroundRequesters = new Set(init.backgroundRequesters ?? [])
  const openJobs = new Map<string, OpenJob>()
  const openByRequester = new Map<string, number>()
  const workers = new Map<string, WorkerState>()
  const leases = new Map<number, ActiveLease>()
  const waiters = new Map<string, Set<() => void>>()
  let started = false
  let sweeper: ReturnType<typeof setInterval> | undefined
  let pumpScheduled = false
  let pumping = false
  let pumpAgain = false
  let retryTimer: ReturnType<typeof setTimeout> | undefined

  metrics.setSchedulerSource(() => stats())

  function stats(): SchedulerStats {
    let freeSlots = 0
    for (const state of workers.values()) freeSlots += freeOf(state)
    return {
      workers: workers.size,
      freeSlots,
      queued: queue.size,
      leased: openJobs.size - queue.size,
      activeLeases: leases.size,
    }
  }

  function freeOf(state: WorkerState): number {
    return Math.max(0, state.capacity - state.leases.size - state.pending)
  }

  function settle(jobId: string): void {
    const set = waiters.get(jobId)
    if (!set) return
    waiters.delete(jobId)
    for (const wake of set) wake()
  }

  function openJob(job: OpenJob): void {
    if (!openJobs.has(job.id))
      openByRequester.set(job.requester, (openByRequester.get(job.requester) ?? 0) + 1)
    openJobs.set(job.id, job)
    if (job.needed > 0) queue.add(job)
  }

  function closeJob(jobId: string): void {
    const job = openJobs.get(jobId)
    if (job) {
      const left = (openByRequester.get(job.requester) ?? 1) - 1
      if (left > 0) openByRequester.set(job.requester, left)
      else openByRequester.delete(job.requester)
    }
    openJobs.delete(jobId)
    queue.remove(jobId)
    settle(jobId)
  }

  /** Forgets a lease in memory; returns it when it was still there. */
  function forgetLease(leaseId: number): ActiveLease | undefined {
    const lease = leases.get(leaseId)
    if (!lease) return undefined
    leases.delete(leaseId)
    const state = workers.get(lease.workerId)
    if (state?.leases.get(lease.jobId) === lease) state.leases.delete(lease.jobId)
    return lease
  }

  /** Applies the outcome of an unsuccessful lease end to the in-memory job. */
  function afterLeaseEnded(lease: ActiveLease, outcome: EndLeaseReturnType): void {
    if (!outcome) return
    const job = openJobs.get(lease.jobId)
    if (outcome.jobState === 'failed') {
      for (const id of outcome.cancelledLeaseIds) {
        const other = forgetLease(id)
        if (other) workers.get(other.workerId)?.worker.drop(other.jobId, 'JOB_CANCELLED')
      }
      closeJob(lease.jobId)
      metrics.jobsFailed.inc()
      logger.warn({ jobId: lease.jobId }, 'job failed: attempts exhausted')
      return
    }
    if (job) {
      job.busy.delete(lease.identity)
      job.needed++
      if (job.needed === 1) queue.add(job)
    }
    schedulePump()
  }

  function schedulePump(): void {
    if (pumpScheduled || !started) return
    pumpScheduled = true
    setImmediate(() => {
      pumpScheduled = false
      void pump()
    })
  }

  async function pump(): Promise<void> {
    if (pumping) {
      pumpAgain = true
      return
    }
    pumping = true
    try {
      do {
        pumpAgain = false
        await pumpOnce()
      } while (pumpAgain && started)
    } catch (error) {
      logger.error({ err: error }, 'scheduling failed')
    } finally {
      pumping = false
    }
  }

  async function pumpOnce(): Promise<void> {
    let rounds = 0
    while (started) {
      const free: WorkerState[] = []
      let mostFree = 0
      for (const state of workers.values()) {
        const slots = freeOf(state)
        if (slots <= 0) continue
        free.push(state)
        if (slots > mostFree) mostFree = slots
      }
      if (free.length === 0 || queue.size === 0) return
      const runnable = new Map<ModelId, boolean>()
      const pick = queue.pick<WorkerState>({
        lookahead,
        modelRunnable: (modelId) => {
          let known = runnable.get(modelId)
          if (known === undefined) {
            known = free.some((state) => state.worker.modelFit(modelId) !== 'no')
            runnable.set(modelId, known)
          }
          return known
        },
        workerFor: (job) => bestWorker(job, free, mostFree),
      })
      if (!pick) return
      if ((await leaseTo(pick.entry, pick.worker)) === 'error') {
        // The store failed (disk full, locked): try again later rather than spin on it.
        retryTimer ??= setTimeout(() => {
          retryTimer = undefined
          schedulePump()
        }, 1000)
        return
      }
      // Let I/O (results, heartbeats, HTTP) in between long runs of assignments.
      if (++rounds % 64 === 0) await new Promise((resolve) => setImmediate(resolve))
    }
  }

  /**
   * `mostFree`: the most free slots any worker in `free` has. A worker with the model cached and
   * that many free slots cannot be beaten, so the scan stops there: with a thousand idle workers
   * the first fit ends it instead of a modelFit call per worker (it was a fifth of the gateway's
   * CPU at 1,000 connections). The pick is the same as a full scan's: the first best score.
   */
  function bestWorker(
    job: OpenJob,
    free: WorkerState[],
    mostFree: number,
  ): WorkerState | undefined {
    let best: WorkerState | undefined
    let bestScore = -1
    const unbeatable = 1_000_000 + mostFree
    for (const state of free) {
      if (freeOf(state) <= 0 || job.busy.has(state.worker.identity)) continue
      if (components.isSuspended?.(state.worker.identity)) continue
      const fit = state.worker.modelFit(job.modelId)
      if (fit === 'no') continue
      const score = (fit === 'cached' ? 1_000_000 : 0) + freeOf(state)
      if (score > bestScore) {
        best = state
        bestScore = score
        if (score >= unbeatable) break
      }
    }
    return best
  }

  async function leaseTo(
    job: OpenJob,
    state: WorkerState,
  ): Promise<'leased' | 'skipped' | 'error'> {
    const { worker } = state
    // Reserve in memory before the await, so the next pick sees the slot and the job taken.
    job.needed--
    job.busy.add(worker.identity)
    if (job.needed === 0) queue.remove(job.id)
    queue.charge(job.requester)
    state.pending++
    let lease: CreatedLease | undefined
    try {
      lease = await store.createLease(
        job.id,
        {
          sessionId: worker.id,
          peerId: worker.peerId,
          identity: worker.identity,
          wallet: worker.wallet,
        },
        now(),
        leaseMs,
      )
    } catch (error) {
      logger.error({ err: error, jobId: job.id }, 'creating a lease failed')
      job.busy.delete(worker.identity)
      reopen(job)
      return 'error'
    } finally {
      state.pending--
    }
    if (!lease) {
      // The job was cancelled meanwhile, or the store knows this identity holds or answered it.
      // The identity stays busy for the job, so the same pair is never tried twice.
      reopen(job)
      return 'skipped'
    }
    const active: ActiveLease = {
      ...lease,
      workerId: worker.id,
      identity: worker.identity,
      claimed: false,
      assignedAt: 0,
    }
    leases.set(active.leaseId, active)
    metrics.leasesCreated.inc()
    if (workers.get(worker.id) !== state) {
      await endUnclaimed(active, 'released', 'WORK_WORKER_DISCONNECTED', false)
      return 'leased'
    }
    state.leases.set(job.id, active)
    let message: AssignMessage
    try {
      message = {
        v: PROTOCOL_VERSION,
        type: 'assign',
        jobId: lease.jobId,
        modelId: lease.modelId,
        inputs: decodeTensorMapCanonical(lease.inputs),
        outputNames: lease.outputNames,
        leaseDeadline: lease.deadline,
        attempt: Math.min(lease.attempt, 65_535),
      }
    } catch (error) {
      logger.error({ err: error, jobId: job.id }, 'stored job inputs are unreadable')
      await endUnclaimed(active, 'failed', 'INTERNAL', true)
      return 'leased'
    }
    active.assignedAt = performance.now()
    if (!worker.assign(message))
      await endUnclaimed(active, 'released', 'WORK_WORKER_DISCONNECTED', false)
    return 'leased'
  }

  /** Puts back the replica a failed lease attempt took, if the job is still open. */
  function reopen(job: OpenJob): void {
    if (!openJobs.has(job.id)) return
    job.needed++
    if (job.needed === 1) queue.add(job)
  }

  async function endUnclaimed(
    lease: ActiveLease,
    state: 'expired' | 'failed' | 'released',
    code: string,
    countsAsFailure: boolean,
  ): Promise<void> {
    if (!forgetLease(lease.leaseId)) return
    const outcome = await store.endLease({
      leaseId: lease.leaseId,
      state,
      code,
      countsAsFailure,
      now: now(),
    })
    afterLeaseEnded(lease, outcome)
  }

  async function sweep(): Promise<void> {
    const at = now()
    const expired = [...leases.values()].filter((lease) => !lease.claimed && lease.deadline < at)
    for (const lease of expired) {
      workers.get(lease.workerId)?.worker.drop(lease.jobId, 'JOB_LEASE_EXPIRED')
      metrics.leaseExpiries.inc()
      logger.info({ jobId: lease.jobId, workerId: lease.workerId }, 'lease expired')
      await endUnclaimed(lease, 'expired', 'JOB_LEASE_EXPIRED', true)
    }
  }

  return {
    isStarted: () => started,

    async start() {
      if (started) return
      const released = await store.releaseActiveLeases(now(), 'WORK_GATEWAY_STOPPING')
      if (released > 0) logger.info({ released }, 'requeued jobs leased before the restart')
      for (const row of await store.loadQueued()) {
        openJob({
          id: row.id,
          seq: row.seq,
          requester: row.requester,
          modelId: row.modelId,
          priority: row.priority,
          redundancy: row.redundancy,
          needed: row.redundancy - row.results - row.activeLeases,
          busy: new Set(row.answeredBy),
        })
      }
      started = true
      sweeper = setInterval(() => {
        sweep().catch((error: unknown) => logger.error({ err: error }, 'lease sweep failed'))
      }, sweepIntervalMs)
      logger.info({ queued: queue.size, leaseMs, sweepIntervalMs }, 'scheduler started')
      schedulePump()
    },

    async stop() {
      if (!started) return
      started = false
      if (sweeper) clearInterval(sweeper)
      if (retryTimer) clearTimeout(retryTimer)
      // Leases end as released (not failures): the jobs run again after the restart.
      await store.releaseActiveLeases(now(), 'WORK_GATEWAY_STOPPING')
      leases.clear()
      workers.clear()
      openJobs.clear()
      openByRequester.clear()
      for (const jobId of [...waiters.keys()]) settle(jobId)
      logger.info('scheduler stopped')
    },

    async submit(jobs, quota) {
      const outcome = await store.insertJobs(jobs, quota)
      if (!outcome.ok) return outcome
      jobs.forEach((job, i) => {
        openJob({
          id: job.id,
          seq: outcome.seqs[i] ?? Number.MAX_SAFE_INTEGER,
          requester: job.requester,
          modelId: job.modelId,
          priority: job.priority,
          redundancy: job.redundancy,
          needed: job.redundancy,
          busy: new Set(),
        })
      })
      metrics.jobsSubmitted.inc(jobs.length)
      schedulePump()
      return outcome
    },

    async cancel(jobId, requester) {
      const outcome = await store.cancelJob(jobId, requester, now())
      if (outcome.outcome !== 'cancelled') return outcome
      for (const id of outcome.cancelledLeaseIds) {
        const lease = forgetLease(id)
        if (lease) workers.get(lease.workerId)?.worker.drop(lease.jobId, 'JOB_CANCELLED')
      }
      closeJob(jobId)
      metrics.jobsCancelled.inc()
      schedulePump()
      return outcome
    },

    getJob: (jobId) => store.getJob(jobId),
    getResults: (jobId) => store.getResults(jobId),

    async waitForSettled(jobId, { timeoutMs, signal }) {
      const job = await store.getJob(jobId)
      if (!job || TERMINAL_JOB_STATES.includes(job.state) || timeoutMs <= 0) return
      if (!openJobs.has(jobId)) return
      await new Promise<void>((resolve) => {
        const set = waiters.get(jobId) ?? new Set()
        waiters.set(jobId, set)
        const done = () => {
          clearTimeout(timer)
          set.delete(done)
          signal?.removeEventListener('abort', done)
          resolve()
        }
        const timer = setTimeout(done, timeoutMs)
        signal?.addEventListener('abort', done, { once: true })
        set.add(done)
      })
    },

    addWorker(worker, slots) {
      workers.set(worker.id, { worker, capacity: slots, leases: new Map(), pending: 0 })
      schedulePump()
    },

    setSlots(workerId, slots) {
      const state = workers.get(workerId)
      if (!state) return
      state.capacity = slots
      schedulePump()
    },

    async removeWorker(workerId, code, countsAsFailure) {
      const state = workers.get(workerId)
      if (!state) return
      workers.delete(workerId)
      for (const lease of [...state.leases.values()]) {
        // A lease whose result is being checked stays: the check completes or fails it.
        if (lease.claimed) continue
        await endUnclaimed(lease, countsAsFailure ? 'failed' : 'released', code, countsAsFailure)
      }
      schedulePump()
    },

    claimLease(workerId, jobId) {
      const lease = workers.get(workerId)?.leases.get(jobId)
      if (!lease || lease.claimed) return undefined
      lease.claimed = true
      return lease
    },

    async completeResult(lease, result) {
      const outcome = await store.completeLease(result)
      if (!outcome.ok) {
        // Too late (past the deadline) or no longer active: the lease ends as expired.
        lease.claimed = false
        if (outcome.reason === 'expired') {
          metrics.leaseExpiries.inc()
          await endUnclaimed(lease, 'expired', 'JOB_LEASE_EXPIRED', true)
          return { accepted: false, code: 'JOB_LEASE_EXPIRED' }
        }
        forgetLease(lease.leaseId)
        return { accepted: false, code: 'RESULT_NOT_LEASED' }
      }
      forgetLease(lease.leaseId)
      metrics.resultsAccepted.inc()
      const job = openJobs.get(lease.jobId)
      if (outcome.jobState === 'completed') {
        closeJob(lease.jobId)
        metrics.jobsCompleted.inc()
        metrics.resultLatencySeconds.observe((result.receivedAt - lease.jobCreatedAt) / 1000)
        // Background jobs (the demo's samples) have no payer: nothing to verify or credit, and
        // the demo deletes them once read.
        if (!job || !backgroundRequesters.has(job.requester))
          components.onJobCompleted?.(lease.jobId)
      } else if (job) {
        // Another replica is still needed or out; this identity stays busy for the job.
        job.busy.add(lease.identity)
      }
      schedulePump()
      return { accepted: true, jobState: outcome.jobState }
    },

    async addReplica(jobId) {
      const row = await store.addReplica(jobId, now())
      if (!row) return false
      if (started) {
        openJob({
          id: row.id,
          seq: row.seq,
          requester: row.requester,
          modelId: row.modelId,
          priority: row.priority,
          redundancy: row.redundancy,
          needed: row.redundancy - row.results - row.activeLeases,
          busy: new Set(row.answeredBy),
        })
        schedulePump()
      }
      return true
    },

    async failLease(lease, code, countsAsFailure) {
      lease.claimed = false
      await endUnclaimed(lease, countsAsFailure ? 'failed' : 'released', code, countsAsFailure)
    },

    stats,

    requesterLoad: (requester) => ({
      open: openByRequester.get(requester) ?? 0,
      queued: queue.sizeOf(requester),
    }),

    openJobIds: (requester) =>
      [...openJobs.values()].filter((job) => job.requester === requester).map((job) => job.id),

    canRun: (modelId) =>
      [...workers.values()].some((state) => state.worker.modelFit(modelId) !== 'no'),
    workersFor(modelId) {
      let count = 0
      for (const state of workers.values()) if (state.worker.modelFit(modelId) !== 'no') count++
      return count
    },
  }
}
