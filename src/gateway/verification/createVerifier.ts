import { compareResults, type ResultOrigin } from '../../protocol/models/compareResults.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import { type Logger, namespacedLogger } from '../logging/createLogger.ts'
import type { JobNetworkMetrics } from '../metrics/createJobNetworkMetrics.ts'
import type { Startable } from '../Startable.ts'
import type { Scheduler } from '../scheduler/createScheduler.ts'
import { decodeTensorMapCanonical } from '../scheduler/decodeTensorMapCanonical.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'
import type { ReferenceRunner } from './ReferenceRunner.ts'
import { type PriceSplit, splitPrice } from './splitPrice.ts'
import { type SpotCheckPolicy, spotCheckRate } from './spotCheckRate.ts'
import type {
  NewVerdict,
  RecordVerdictsParameters,
  VerificationJob,
  VerificationResult,
  VerificationStore,
} from './VerificationStore.ts'

export type VerifierSettings = {
  spotCheck: SpotCheckPolicy
  split: PriceSplit
  /** Invalid results that suspend a wallet (or anonymous peer). Default 2. */
  suspendAfterInvalid?: number | undefined
  /** Replicas verification may add to a job beyond what its requester asked. Default 2. */
  maxExtraReplicas?: number | undefined
  /** How long credit of results accepted unchecked stays pending. Default 24 h. */
  holdbackMs?: number | undefined
  /** Jobs verified at once (spot-check re-runs share one ONNX thread). Default 2. */
  concurrency?: number | undefined
}

export type VerifierComponents = {
  store: VerificationStore
  scheduler: Pick<Scheduler, 'addReplica'>
  catalog: ModelCatalog
  /** Without one, results cannot be re-run: single results are all accepted unchecked. */
  reference?: ReferenceRunner | undefined
  logger: Logger
  now?: (() => number) | undefined
  /** Tells the worker's session what a decided result earned (its `credit` message). */
  onCredit?:
    | ((credit: {
        sessionId: string
        jobId: string
        amount: bigint
        status: 'pending' | 'verified' | 'rejected'
      }) => void)
    | undefined
  /** Prometheus counters (the job network's); optional for tests. */
  metrics?:
    | Pick<JobNetworkMetrics, 'verdicts' | 'spotCheckRunSeconds' | 'suspensions' | 'corrections'>
    | undefined
  /** An identity was just suspended (the work protocol ends its sessions). */
  onSuspended?: ((identity: string, reason: string) => void) | undefined
  /** Uniform in [0, 1): the spot-check sampling; tests may pass a seeded one. */
  random?: (() => number) | undefined
}

export type VerifierStats = {
  spotChecks: number
  spotCheckUs: number
  sampledOut: number
  valid: number
  invalid: number
  replicasAdded: number
  suspended: number
  /** Re-runs of suspended identities' unchecked results, and how many were wrong. */
  rechecks: number
  corrections: number
}

export type Verifier = Startable & {
  /** A job has all its replicas' results: verify it (queued; never blocks the caller). */
  jobCompleted(jobId: string): void
  isSuspended(identity: string): boolean
  /** Why the identity is suspended (a sentence for people), or undefined. */
  suspension(identity: string): string | undefined
  /** Resolves when no job is queued or being verified. */
  idle(): Promise<void>
  /** Releases pending credit older than the holdback (also runs on a timer). */
  releaseHeldBack(now?: number): Promise<number>
  stats(): VerifierStats
}

export type CreateVerifierReturnType = Verifier

/**
 * Verifies completed jobs and writes what they earn (issue 6).
 *
 * - Redundant jobs (k >= 2): results are clustered by `compareResults` (exact for WASM vs WASM,
 *   the manifest's policy otherwise); a cluster holding more than half of them wins: its results
 *   are valid, the others invalid. No majority (a tie) adds a replica, up to `maxExtraReplicas`;
 *   then the job's verification fails and nobody is credited.
 * - Single results: re-run on onnxruntime-node (a worker thread) with the probability
 *   `spotCheckRate` gives for the worker's standing. Not sampled: accepted unchecked, its credit
 *   held back (pending) until the holdback ends, and reversed if the identity is suspended first.
 *   Invalid: the job gets another replica, which is always re-run.
 * - Standing per identity: a valid check extends its streak, an invalid one resets it (the rate
 *   goes back to 1), `suspendAfterInvalid` invalid results suspend it with a readable reason.
 *   Its results accepted unchecked are then re-run once each; a wrong one has its credit
 *   reversed (a correction, even if it was released already) and its job runs again.
 *
 * Everything a decision changes is one store transaction, and a verdict exists at most once per
 * result, so the verifier can crash anywhere: at start it resumes every completed job that has no
 * verification level yet (spot-checks queued before the crash run again, not resampled).
 */
export function createVerifier(
  settings: VerifierSettings,
  components: VerifierComponents,
): CreateVerifierReturnType {
  const { store, catalog, reference } = components
  const logger = namespacedLogger(components.logger, 'gateway:verifier')
  const now = components.now ?? Date.now
  const random = components.random ?? Math.random
  const suspendAfterInvalid = settings.suspendAfterInvalid ?? 2
  const maxExtraReplicas = settings.maxExtraReplicas ?? 2
  const holdbackMs = settings.holdbackMs ?? 24 * 60 * 60_000
  const concurrency = settings.concurrency ?? 2
  const suspended = new Map<string, string>()
  const queue: string[] = []
  const queued = new Set<string>()
  let running = 0
  let started = false
  let controller = new AbortController()
  let releaseTimer: ReturnType<typeof setInterval> | undefined
  const idleWaiters = new Set<() => void>()
  const counters: VerifierStats = {
    spotChecks: 0,
    spotCheckUs: 0,
    sampledOut: 0,
    valid: 0,
    invalid: 0,
    replicasAdded: 0,
    suspended: 0,
    rechecks: 0,
    corrections: 0,
  }

  function pump(): void {
    while (started && running < concurrency && queue.length > 0) {
      const task = queue.shift() as string
      running++
      const [kind, id, jobId] = task.split(' ')
      const work = kind === 'recheck' ? recheck(Number(id), jobId ?? '') : verify(id ?? '')
      work
        .catch((error: unknown) => {
          if (!controller.signal.aborted)
            logger.error({ err: error, task }, 'verification failed; it is retried at start')
        })
        .finally(() => {
          queued.delete(task)
          running--
          pump()
          if (running === 0 && queue.length === 0) for (const wake of idleWaiters) wake()
        })
    }
  }

  async function verify(jobId: string): Promise<void> {
    const job = await store.getJob(jobId)
    if (job?.state !== 'completed' || job.verifiedAt !== undefined) return
    const manifest = catalog.getManifest(job.modelId)
    if (!manifest) {
      logger.warn({ jobId, modelId: job.modelId }, 'model gone: the job stays unverified')
      return
    }
    const undecided = job.results.filter((r) => r.verdict === undefined)
    const standingVerdicts: NewVerdict[] = undecided
      .filter((r) => suspended.has(r.identity))
      .map((r) => ({
        leaseId: r.leaseId,
        decision: 'invalid',
        method: 'standing',
        detail: `${r.identity} is suspended; its results are not accepted`,
      }))
    const candidates = undecided.filter((r) => !suspended.has(r.identity))
    if (job.requestedRedundancy >= 2) {
      await verifyReplicas(job, manifest, candidates, standingVerdicts)
      return
    }
    const result = candidates[0]
    if (!result) {
      if (standingVerdicts.length > 0) await record(job, standingVerdicts)
      await needAnother(job)
      return
    }
    // A replacement for a result found invalid (now, or by a re-run after a suspension) is
    // always checked: the requester has waited for a right answer once already.
    const replacement =
      job.results.some((r) => r.verdict === 'invalid' || r.recheck === 'invalid') ||
      standingVerdicts.length > 0
    const standing = await store.getStanding(result.identity)
    const rate = spotCheckRate(settings.spotCheck, {
      validStreak: standing?.validStreak ?? 0,
      invalid: standing?.invalid ?? 0,
      suspended: false,
    })
    const sampled = job.spotCheckQueued || replacement || random() < rate
    if (!sampled || !reference) {
      counters.sampledOut++
      await record(
        job,
        [
          ...standingVerdicts,
          {
            leaseId: result.leaseId,
            decision: 'unchecked',
            method: 'sampling',
            detail: `${reference ? `not sampled (rate ${round(rate)})` : 'this gateway cannot re-run models'}; credit held back for ${Math.round(holdbackMs / 60_000)} min`,
          },
        ],
        'unchecked',
      )
      return
    }
    await store.queueSpotCheck(job.id, result.leaseId, now())
    const inputs = decodeTensorMapCanonical(job.inputs)
    const rerun = await reference.run(
      { modelId: job.modelId, inputs, outputNames: job.outputNames },
      { signal: controller.signal },
    )
    counters.spotChecks++
    counters.spotCheckUs += rerun.runUs
    components.metrics?.spotCheckRunSeconds.observe(rerun.runUs / 1e6)
    const comparison = compareResults({
      manifest,
      outputNames: job.outputNames,
      a: { outputs: outputsOf(result), origin: result.backend },
      b: { outputs: rerun.outputs, origin: 'node-cpu' satisfies ResultOrigin },
    })
    const detail = `${comparison.agree ? 'agrees' : 'disagrees'} with the gateway's onnxruntime-node re-run (${comparison.basis}): ${describeDetails(comparison.details)}`
    const verdict: NewVerdict = {
      leaseId: result.leaseId,
      decision: comparison.agree ? 'valid' : 'invalid',
      method: 'spot-check',
      detail,
    }
    await record(
      job,
      [...standingVerdicts, verdict],
      comparison.agree ? 'spot-checked' : undefined,
      rerun.runUs,
    )
    if (!comparison.agree) await needAnother(job)
  }

  async function verifyReplicas(
    job: VerificationJob,
    manifest: NonNullable<ReturnType<ModelCatalog['getManifest']>>,
    candidates: VerificationResult[],
    standingVerdicts: NewVerdict[],
  ): Promise<void> {
    // Greedy clustering against each cluster's first member.
    const clusters: { members: VerificationResult[]; outputs: TensorMap }[] = []
    const details = new Map<number, string>()
    for (const result of candidates) {
      const outputs = outputsOf(result)
      let placed = false
      for (const cluster of clusters) {
        const first = cluster.members[0] as VerificationResult
        const comparison = compareResults({
          manifest,
          outputNames: job.outputNames,
          a: { outputs: cluster.outputs, origin: first.backend },
          b: { outputs, origin: result.backend },
        })
        if (comparison.agree) {
          cluster.members.push(result)
          details.set(result.leaseId, describeDetails(comparison.details))
          placed = true
          break
        }
        details.set(result.leaseId, describeDetails(comparison.details))
      }
      if (!placed) clusters.push({ members: [result], outputs })
    }
    clusters.sort((a, b) => b.members.length - a.members.length)
    const winner = clusters[0]
    const total = candidates.length
    if (!winner || winner.members.length * 2 <= total || total < Math.min(2, job.redundancy)) {
      if (standingVerdicts.length > 0) await record(job, standingVerdicts)
      logger.info(
        { jobId: job.id, results: total, clusters: clusters.map((c) => c.members.length) },
        'no majority among the replicas',
      )
      await needAnother(job)
      return
    }
    const verdicts: NewVerdict[] = [...standingVerdicts]
    const leader = winner.members[0] as VerificationResult
    for (const cluster of clusters) {
      const valid = cluster === winner
      for (const member of cluster.members) {
        if (!valid)
          details.set(
            member.leaseId,
            describeDetails(
              compareResults({
                manifest,
                outputNames: job.outputNames,
                a: { outputs: winner.outputs, origin: leader.backend },
                b: { outputs: outputsOf(member), origin: member.backend },
              }).details,
            ),
          )
        verdicts.push({
          leaseId: member.leaseId,
          decision: valid ? 'valid' : 'invalid',
          method: 'redundancy',
          detail: valid
            ? `in the majority (${winner.members.length} of ${total} results agree)`
            : `dissents from the majority of ${winner.members.length} of ${total}: ${details.get(member.leaseId) ?? ''}`,
        })
      }
    }
    await record(job, verdicts, 'redundant')
  }

  /**
   * A result of a now-suspended identity that was accepted unchecked: re-run it. Wrong: its
   * credit is reversed (a correction) and the job gets another replica, always checked.
   */
  async function recheck(leaseId: number, jobId: string): Promise<void> {
    const job = await store.getJob(jobId)
    const result = job?.results.find((r) => r.leaseId === leaseId)
    if (!job || !result || result.recheck !== undefined || !reference) return
    const manifest = catalog.getManifest(job.modelId)
    if (!manifest) return
    const rerun = await reference.run(
      {
        modelId: job.modelId,
        inputs: decodeTensorMapCanonical(job.inputs),
        outputNames: job.outputNames,
      },
      { signal: controller.signal },
    )
    const comparison = compareResults({
      manifest,
      outputNames: job.outputNames,
      a: { outputs: outputsOf(result), origin: result.backend },
      b: { outputs: rerun.outputs, origin: 'node-cpu' },
    })
    const recorded = await store.recordRecheck({
      leaseId,
      jobId,
      decision: comparison.agree ? 'valid' : 'invalid',
      detail: `re-run after ${result.identity} was suspended: ${comparison.agree ? 'agrees' : 'disagrees'} (${comparison.basis}): ${describeDetails(comparison.details)}`,
      runUs: rerun.runUs,
      now: now(),
    })
    if (!recorded) return
    counters.rechecks++
    components.metrics?.spotCheckRunSeconds.observe(rerun.runUs / 1e6)
    if (comparison.agree) return
    counters.corrections++
    components.metrics?.corrections.inc()
    logger.info({ jobId, leaseId }, 'an unchecked result was wrong: the job runs again')
    await needAnother(job)
  }

  function enqueueRechecks(items: { leaseId: number; jobId: string }[]): void {
    for (const item of items) enqueueTask(`recheck ${item.leaseId} ${item.jobId}`)
  }

  async function needAnother(job: VerificationJob): Promise<void> {
    if (job.redundancy >= job.requestedRedundancy + maxExtraReplicas) {
      logger.warn({ jobId: job.id, redundancy: job.redundancy }, 'verification failed')
      await store.failVerification(job.id, now())
      return
    }
    if (await components.scheduler.addReplica(job.id)) counters.replicasAdded++
  }

  async function record(
    job: VerificationJob,
    verdicts: NewVerdict[],
    final?: RecordVerdictsParameters['final'],
    spotCheckRunUs?: number,
  ): Promise<void> {
    const outcome = await store.recordVerdicts({
      jobId: job.id,
      verdicts,
      final,
      split: settings.split,
      suspendAfterInvalid,
      spotCheckRunUs,
      now: now(),
    })
    if (!outcome.recorded) return
    for (const verdict of verdicts) {
      components.metrics?.verdicts.inc({ decision: verdict.decision, method: verdict.method })
      if (verdict.decision === 'valid') counters.valid++
      if (verdict.decision === 'invalid') counters.invalid++
      const result = job.results.find((r) => r.leaseId === verdict.leaseId)
      if (!result || !components.onCredit) continue
      const { worker } = splitPrice({
        price: job.price,
        split: settings.split,
        hasWallet: result.wallet !== undefined,
        hasPartner: result.partner !== undefined,
      })
      components.onCredit({
        sessionId: result.sessionId,
        jobId: job.id,
        amount: verdict.decision === 'invalid' ? 0n : worker,
        status:
          verdict.decision === 'valid'
            ? 'verified'
            : verdict.decision === 'unchecked'
              ? 'pending'
              : 'rejected',
      })
    }
    for (const { identity, reason } of outcome.suspended) {
      suspended.set(identity, reason)
      counters.suspended++
      components.metrics?.suspensions.inc()
      logger.warn({ identity, reason }, 'identity suspended')
      components.onSuspended?.(identity, reason)
    }
    if (outcome.suspended.length > 0) enqueueRechecks(await store.listRecheckable())
  }

  async function releaseHeldBack(at = now()): Promise<number> {
    const released = await store.releaseHeldBack(at - holdbackMs, at)
    if (released > 0) logger.info({ released }, 'held-back credit released')
    return released
  }

  function enqueueTask(task: string): void {
    if (queued.has(task)) return
    queued.add(task)
    queue.push(task)
    pump()
  }

  function enqueue(jobId: string): void {
    enqueueTask(`job ${jobId}`)
  }

  return {
    isStarted: () => started,

    async start() {
      if (started) return
      controller = new AbortController()
      for (const { identity, reason } of await store.listSuspended())
        suspended.set(identity, reason)
      started = true
      const pending = await store.listUnverified()
      if (pending.length > 0) logger.info({ jobs: pending.length }, 'resuming verification')
      for (const jobId of pending) enqueue(jobId)
      enqueueRechecks(await store.listRecheckable())
      const interval = Math.max(1000, Math.min(60_000, holdbackMs / 10))
      releaseTimer = setInterval(() => {
        void releaseHeldBack().catch((error: unknown) =>
          logger.error({ err: error }, 'releasing held-back credit failed'),
        )
      }, interval)
      releaseTimer.unref()
    },

    async stop() {
      if (!started) return
      started = false
      clearInterval(releaseTimer)
      controller.abort(new Error('The verifier is stopping.'))
      queue.length = 0
      queued.clear()
      if (running > 0) await new Promise<void>((resolve) => idleWaiters.add(resolve))
      idleWaiters.clear()
    },

    jobCompleted: enqueue,

    isSuspended: (identity) => suspended.has(identity),
    suspension: (identity) => suspended.get(identity),

    idle() {
      if (running === 0 && queue.length === 0) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const wake = () => {
          idleWaiters.delete(wake)
          resolve()
        }
        idleWaiters.add(wake)
      })
    },

    releaseHeldBack,

    stats: () => ({ ...counters }),
  }
}

function outputsOf(result: VerificationResult): TensorMap {
  return decodeTensorMapCanonical(result.outputs)
}

function describeDetails(details: Record<string, string>): string {
  return Object.entries(details)
    .map(([name, detail]) => `${name}: ${detail}`)
    .join('; ')
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
