import type { ModelId } from '../protocol/messages.ts'
import type { BatchPolicy } from './workClient.ts'

export type CreateBatchPolicyParameters = {
  /**
   * Batch a model while its recent run time is below this, ms. Default 5: a browser engine's
   * round trip costs about 1 ms per call, a large share of a run this short and a small one of
   * anything longer; and a batch of longer runs would hold back its first results.
   */
  thresholdMs?: number | undefined
  /** Most jobs in one batch. Default 16. */
  maxBatch?: number | undefined
  /** How many recent runs per model the estimate is the median of. Default 9. */
  window?: number | undefined
  /** Starting estimates (e.g. warm runs measured at start) for models not yet observed, ms. */
  initial?: Iterable<readonly [ModelId, number]> | undefined
}

export type CreateBatchPolicyReturnType = BatchPolicy & {
  /** The current run-time estimate of a model, ms (undefined until one is known). */
  estimate(modelId: ModelId): number | undefined
}

type Recent = { runs: number[]; median: number }

/**
 * The work client's batching policy from measured run times: a model whose recent inference time
 * (median of each job's own session.run time over the last `window` jobs) is below `thresholdMs`
 * runs in batches of up to `maxBatch`; others, and models with no measurement yet, run one by
 * one. A median, not a mean: one stalled run (garbage collection, a throttled tab) does not turn
 * batching off, a lasting change does.
 */
export function createBatchPolicy(
  parameters: CreateBatchPolicyParameters = {},
): CreateBatchPolicyReturnType {
  const thresholdMs = parameters.thresholdMs ?? 5
  const maxBatch = Math.max(1, Math.floor(parameters.maxBatch ?? 16))
  const window = Math.max(1, Math.floor(parameters.window ?? 9))
  const recent = new Map<string, Recent>()

  function observe(modelId: ModelId, inferenceMs: number): void {
    if (!Number.isFinite(inferenceMs) || inferenceMs < 0) return
    const key = modelId.toLowerCase()
    const entry = recent.get(key) ?? { runs: [], median: inferenceMs }
    entry.runs.push(inferenceMs)
    if (entry.runs.length > window) entry.runs.shift()
    const sorted = [...entry.runs].sort((a, b) => a - b)
    // The lower middle: with an even count, one outlier cannot move the estimate up.
    entry.median = sorted[Math.floor((sorted.length - 1) / 2)] ?? inferenceMs
    recent.set(key, entry)
  }

  for (const [modelId, ms] of parameters.initial ?? []) observe(modelId, ms)

  return {
    limit(modelId) {
      const estimate = recent.get(modelId.toLowerCase())?.median
      return estimate !== undefined && estimate < thresholdMs ? maxBatch : 1
    },
    observe,
    estimate: (modelId) => recent.get(modelId.toLowerCase())?.median,
  }
}
