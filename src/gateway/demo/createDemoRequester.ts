import { readFile } from 'node:fs/promises'
import { Counter, type Registry } from 'prom-client'
import type { ModelId } from '../../protocol/messages.ts'
import { MIN_PRIORITY } from '../api/parseJobRequest.ts'
import { prepareJob } from '../api/prepareJob.ts'
import { type Logger, namespacedLogger } from '../logging/createLogger.ts'
import type { ModelRegistry } from '../models/ModelRegistry.ts'
import type { Startable } from '../Startable.ts'
import type { Scheduler } from '../scheduler/createScheduler.ts'
import { decodeTensorMapCanonical } from '../scheduler/decodeTensorMapCanonical.ts'
import type { JobStore } from '../scheduler/JobStore.ts'
import { modelCatalogFromRegistry } from '../scheduler/modelCatalogFromRegistry.ts'
import {
  createDemoSamples,
  DEMO_MODELS,
  type DemoModelName,
  type DemoSample,
} from './createDemoSamples.ts'
import { readDemoResult } from './readDemoResult.ts'

/** The requester id of demo jobs: API key ids look like `key-…`, so none can collide with it. */
export const DEMO_REQUESTER = 'demo'

export type DemoRequesterInit = {
  /** Jobs submitted per second, at most (one per 1/rate seconds while the grid is idle). */
  ratePerSecond: number
  /** Most demo jobs open at once, queued or leased, counting any a previous run left. Default 4. */
  maxOpen?: number | undefined
  /** A demo job still open after this long is cancelled. Default 120 s. */
  settleTimeoutMs?: number | undefined
  /** Longest pause after a refused or failed submission. Default 30 s. */
  maxBackoffMs?: number | undefined
  /** Sample inputs per model, drawn at start. Default 8. */
  samplesPerModel?: number | undefined
}

/** What the demo needs from the scheduler. */
export type DemoScheduler = Pick<
  Scheduler,
  | 'submit'
  | 'cancel'
  | 'getJob'
  | 'getResults'
  | 'waitForSettled'
  | 'stats'
  | 'requesterLoad'
  | 'openJobIds'
  | 'canRun'
>

export type DemoRequesterComponents = {
  scheduler: DemoScheduler
  /** Finished demo jobs are deleted: a rec answer alone is 1 MiB, at up to a job per second. */
  store: Pick<JobStore, 'deleteFinishedJobs'>
  /** The gateway's models: manifests of the built-ins, and rec's dictionary asset. */
  models: Pick<ModelRegistry, 'list' | 'get'>
  logger: Logger
  /** The gateway's Prometheus registry. */
  registry: Registry
  /** Milliseconds since the epoch (job timestamps); tests may pass their own clock. */
  now?: (() => number) | undefined
}

/** Why a tick submitted nothing. */
export type DemoSkipReason =
  | 'no-worker'
  | 'others-waiting'
  | 'cap'
  | 'no-runnable-model'
  | 'refused'

export type DemoRequesterStats = {
  /** Times the demo looked at the grid and decided. */
  ticks: number
  submitted: number
  /** Completed demo jobs whose answer was read. */
  completed: number
  /** Of those, answers that agree with what the sample shows. */
  expected: number
  /** Failed, timed out or cancelled. */
  unfinished: number
  skipped: Record<DemoSkipReason, number>
}

export type DemoRequester = Startable & { stats(): DemoRequesterStats }

export type CreateDemoRequesterReturnType = DemoRequester

const shortNames: Record<DemoModelName, string> = {
  'ppocr-v4-rec': 'rec',
  'ppocr-mobile-v2-cls': 'cls',
  'ppocr-v4-det': 'det',
  'silero-vad-v5': 'vad',
}

type DemoModel = { name: DemoModelName; id: ModelId; samples: DemoSample[]; next: number }

/**
 * The demo requester: makes a fresh grid visibly work. While at least one worker is connected,
 * no other requester has jobs waiting and fewer than `maxOpen` demo jobs are open, it submits one
 * sample job per 1/rate seconds, rotating over the built-in models a connected worker can run
 * (PP-OCR rec, Silero VAD, PP-OCR cls, PP-OCR det; samples drawn by createDemoSamples). Demo jobs
 * belong to the requester `demo`, which the scheduler serves only with capacity no other
 * requester's jobs can use, at the lowest API priority. It reads each answer back (the text rec
 * read, cls's direction, det's text share, the VAD's speech probability), logs it at debug level
 * and counts it in /metrics. Nothing piles up: open jobs are capped, jobs still open after
 * `settleTimeoutMs` are cancelled, ones a previous run left are cancelled at start, finished ones
 * are deleted with their inputs and outputs once read, and a refused submission backs off
 * exponentially.
 */
export function createDemoRequester(
  init: DemoRequesterInit,
  components: DemoRequesterComponents,
): CreateDemoRequesterReturnType {
  const { scheduler, models, store } = components
  const logger = namespacedLogger(components.logger, 'gateway:demo')
  const now = components.now ?? Date.now
  const intervalMs = 1000 / init.ratePerSecond
  const maxOpen = init.maxOpen ?? 4
  const settleTimeoutMs = init.settleTimeoutMs ?? 120_000
  const maxBackoffMs = Math.max(intervalMs, init.maxBackoffMs ?? 30_000)
  const catalog = modelCatalogFromRegistry(models)
  const registers = [components.registry]
  const submittedTotal = new Counter({
    name: 'inference_grid_demo_jobs_submitted_total',
    help: 'Sample jobs the demo requester submitted, by model.',
    labelNames: ['model'],
    registers,
  })
  const completedTotal = new Counter({
    name: 'inference_grid_demo_jobs_completed_total',
    help: 'Demo jobs completed, by model and whether the answer agrees with the sample (expected: true|false).',
    labelNames: ['model', 'expected'],
    registers,
  })
  const unfinishedTotal = new Counter({
    name: 'inference_grid_demo_jobs_unfinished_total',
    help: 'Demo jobs that failed, or were cancelled for taking too long, by model and reason.',
    labelNames: ['model', 'reason'],
    registers,
  })

  const stats: DemoRequesterStats = {
    ticks: 0,
    submitted: 0,
    completed: 0,
    expected: 0,
    unfinished: 0,
    skipped: { 'no-worker': 0, 'others-waiting': 0, cap: 0, 'no-runnable-model': 0, refused: 0 },
  }
  let demoModels: DemoModel[] = []
  let dictionary: string[] = []
  let rotation = 0
  let backoffMs = 0
  let lastSkip: DemoSkipReason | undefined
  let started = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let running: Promise<void> | undefined
  let stopping = new AbortController()
  const following = new Set<Promise<void>>()

  function skip(reason: DemoSkipReason): number {
    stats.skipped[reason]++
    if (reason !== lastSkip) logger.debug({ reason }, 'demo: waiting')
    lastSkip = reason
    return intervalMs
  }

  function nextModel(): DemoModel | undefined {
    for (let k = 0; k < demoModels.length; k++) {
      const model = demoModels[(rotation + k) % demoModels.length]
      if (model && scheduler.canRun(model.id)) {
        rotation = (rotation + k + 1) % demoModels.length
        return model
      }
    }
    return undefined
  }

  /** One look at the grid; returns how long to wait before the next. */
  async function tick(): Promise<number> {
    stats.ticks++
    const grid = scheduler.stats()
    if (grid.workers === 0) return skip('no-worker')
    const load = scheduler.requesterLoad(DEMO_REQUESTER)
    if (grid.queued - load.queued > 0) return skip('others-waiting')
    if (load.open >= maxOpen) return skip('cap')
    const model = nextModel()
    if (!model) return skip('no-runnable-model')
    const sample = model.samples[model.next % model.samples.length]
    if (!sample) return skip('no-runnable-model')
    model.next++
    const job = prepareJob({
      request: {
        model: model.id,
        inputs: sample.inputs,
        outputs: undefined,
        priority: MIN_PRIORITY,
        redundancy: 1,
        maxAttempts: 2,
      },
      requester: DEMO_REQUESTER,
      catalog,
      maxInputBytes: Number.MAX_SAFE_INTEGER,
      defaultMaxAttempts: 2,
      now: now(),
    })
    let refusal: unknown
    try {
      const outcome = await scheduler.submit([job])
      if (!outcome.ok) refusal = `quota: ${outcome.used} of ${outcome.limit} used`
    } catch (error) {
      refusal = error
    }
    if (refusal !== undefined) {
      backoffMs = Math.min(maxBackoffMs, Math.max(intervalMs, backoffMs * 2))
      logger.warn(
        { err: refusal, model: model.name, retryInMs: Math.round(backoffMs) },
        'demo: the scheduler refused a sample job; backing off',
      )
      skip('refused')
      return backoffMs
    }
    backoffMs = 0
    lastSkip = undefined
    stats.submitted++
    submittedTotal.inc({ model: model.name })
    const follow = followJob(job.id, model, sample).catch((error: unknown) =>
      logger.warn({ err: error, jobId: job.id }, 'demo: reading a result failed'),
    )
    following.add(follow)
    void follow.finally(() => following.delete(follow))
    return intervalMs
  }

  async function followJob(jobId: string, model: DemoModel, sample: DemoSample): Promise<void> {
    const { signal } = stopping
    await scheduler.waitForSettled(jobId, { timeoutMs: settleTimeoutMs, signal })
    if (signal.aborted) return
    await readOutcome(jobId, model, sample)
    // Read and counted: nothing of it is kept (a job still open at a stop is cancelled at the
    // next start, then deleted).
    await store.deleteFinishedJobs([jobId], DEMO_REQUESTER)
  }

  async function readOutcome(jobId: string, model: DemoModel, sample: DemoSample): Promise<void> {
    const job = await scheduler.getJob(jobId)
    if (!job) return
    const short = shortNames[model.name]
    if (job.state === 'completed') {
      const [result] = await scheduler.getResults(jobId)
      if (!result) return
      const read = readDemoResult({
        sample,
        outputs: decodeTensorMapCanonical(result.outputs),
        dictionary,
      })
      stats.completed++
      if (read.matches) stats.expected++
      completedTotal.inc({ model: model.name, expected: String(read.matches) })
      logger.debug(
        {
          jobId,
          model: model.name,
          backend: result.backend,
          worker: result.workerPeer,
          expected: sample.expected,
          matches: read.matches,
        },
        `demo: ${short} ${read.said}`,
      )
      return
    }
    if (job.state === 'failed' || job.state === 'cancelled') {
      stats.unfinished++
      unfinishedTotal.inc({ model: model.name, reason: job.state })
      logger.info(
        { jobId, model: model.name, code: job.failureCode },
        `demo: ${short} job ${job.state}`,
      )
      return
    }
    // Still open after the timeout: no worker that can run it is getting to it. Make room.
    const cancelled = await scheduler.cancel(jobId, DEMO_REQUESTER)
    if (cancelled.outcome !== 'cancelled') return
    stats.unfinished++
    unfinishedTotal.inc({ model: model.name, reason: 'timeout' })
    logger.info(
      { jobId, model: model.name, timeoutMs: settleTimeoutMs },
      `demo: ${short} job not done in time; cancelled`,
    )
  }

  function schedule(delayMs: number): void {
    timer = setTimeout(() => {
      timer = undefined
      running = tick()
        .catch((error: unknown) => {
          logger.error({ err: error }, 'demo: tick failed')
          return maxBackoffMs
        })
        .then((next) => {
          running = undefined
          if (started) schedule(next)
        })
    }, delayMs)
  }

  return {
    isStarted: () => started,

    stats: () => ({ ...stats, skipped: { ...stats.skipped } }),

    async start() {
      if (started) return
      const samples = createDemoSamples({ count: init.samplesPerModel })
      demoModels = DEMO_MODELS.flatMap((name) => {
        const manifest = catalog.getManifest(name)
        return manifest ? [{ name, id: manifest.id, samples: samples[name], next: 0 }] : []
      })
      const rec = demoModels.find((model) => model.name === 'ppocr-v4-rec')
      const dictionaryFile = rec && models.get(rec.id)?.assetFiles.dictionary
      dictionary = dictionaryFile ? (await readFile(dictionaryFile, 'utf8')).split('\n') : []
      // Jobs a previous run left would count against the cap and may wait for a model nobody
      // runs any more: demo jobs are disposable.
      const left = scheduler.openJobIds(DEMO_REQUESTER)
      let leftovers = 0
      for (const jobId of left)
        if ((await scheduler.cancel(jobId, DEMO_REQUESTER)).outcome === 'cancelled') leftovers++
      await store.deleteFinishedJobs(left, DEMO_REQUESTER)
      stopping = new AbortController()
      started = true
      schedule(0)
      logger.info(
        {
          ratePerSecond: init.ratePerSecond,
          maxOpen,
          models: demoModels.map((model) => model.name),
          cancelledLeftovers: leftovers,
        },
        'demo requester on: sample jobs while the grid is idle (turn off with --no-demo)',
      )
    },

    async stop() {
      if (!started) return
      started = false
      if (timer) clearTimeout(timer)
      timer = undefined
      stopping.abort()
      await running
      await Promise.allSettled([...following])
      logger.info(stats, 'demo requester stopped')
    },
  }
}
