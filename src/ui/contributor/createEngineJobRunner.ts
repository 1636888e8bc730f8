import type { JobBatchItemOutcome, RunJob, RunJobBatch } from '../../p2p/workClient.ts'
import { JobError } from '../../protocol/errors/JobError.ts'
import type { ModelId } from '../../protocol/messages.ts'
import type { Engine } from '../../worker/engine/Engine.ts'
import { jobErrorFromEngine } from './jobErrorFromEngine.ts'

export type CreateEngineJobRunnerParameters = {
  engine: Pick<Engine, 'run' | 'runBatch'>
  /** Whether this worker serves the model (loaded and self-tested); others fail at once. */
  serves(modelId: ModelId): boolean
}

export type CreateEngineJobRunnerReturnType = { runJob: RunJob; runBatch: RunJobBatch }

/**
 * Runs the work client's jobs on the Engine: one job through engine.run, a batch of jobs of one
 * model through engine.runBatch (one worker message each way). Inputs are copied to the engine,
 * not transferred: the work client hashes them after the run. Each job keeps its own outcome:
 * its outputs, its own session.run time and how long it waited; a job the engine refused or
 * could not run fails alone, with a JobError (jobErrorFromEngine).
 */
export function createEngineJobRunner(
  parameters: CreateEngineJobRunnerParameters,
): CreateEngineJobRunnerReturnType {
  const { engine, serves } = parameters

  function unavailable(modelId: ModelId): JobError {
    return new JobError('This worker does not serve that model.', {
      code: 'JOB_MODEL_UNAVAILABLE',
      details: { modelId },
    })
  }

  return {
    async runJob(job, { signal }) {
      if (!serves(job.modelId)) throw unavailable(job.modelId)
      try {
        const run = await engine.run({
          modelId: job.modelId,
          inputs: job.inputs,
          outputNames: job.outputNames,
          signal,
          transfer: false,
        })
        return {
          outputs: run.outputs,
          backend: run.backend,
          inferenceMs: run.inferenceMs,
          queueMs: run.queueMs,
        }
      } catch (error) {
        throw jobErrorFromEngine(error)
      }
    },

    async runBatch(jobs, { signal }) {
      const modelId = jobs[0]?.modelId
      if (!modelId || jobs.some((job) => job.modelId !== modelId)) {
        throw new JobError('A batch holds jobs of one model.', {
          code: 'JOB_INFERENCE_FAILED',
          details: { jobs: jobs.length },
        })
      }
      if (!serves(modelId)) throw unavailable(modelId)
      let batch: Awaited<ReturnType<Engine['runBatch']>>
      try {
        batch = await engine.runBatch({
          modelId,
          items: jobs.map((job) => ({ inputs: job.inputs, outputNames: job.outputNames })),
          signal,
          transfer: false,
        })
      } catch (error) {
        throw jobErrorFromEngine(error)
      }
      return jobs.map((_, i): JobBatchItemOutcome => {
        const item = batch.items[i]
        if (!item) return { ok: false, error: jobErrorFromEngine(undefined) }
        if (!item.ok) return { ok: false, error: jobErrorFromEngine(item.error) }
        return {
          ok: true,
          outcome: {
            outputs: item.outputs,
            backend: batch.backend,
            inferenceMs: item.inferenceMs,
            queueMs: item.queueMs,
          },
        }
      })
    },
  }
}
