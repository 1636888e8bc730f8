import type { BaseError } from '../protocol/errors/BaseError.ts'
import { deserializeError } from '../protocol/errors/deserializeError.ts'
import { tensorToTypedArray } from '../protocol/tensor/tensorToTypedArray.ts'
import type { GridJob, TypedTensor } from './GridJob.ts'
import { SdkError } from './SdkError.ts'

/**
 * The first result's outputs of a completed job, as typed arrays (Float32Array for float32...).
 * A failed or cancelled job throws its own error, rebuilt with its code (JOB_ATTEMPTS_EXHAUSTED,
 * JOB_CANCELLED, ...); a job still open throws SDK_JOB_NOT_COMPLETED.
 */
export function readJobOutputs(job: GridJob): Record<string, TypedTensor> {
  const [result] = job.results
  if (job.status === 'completed' && result) {
    const outputs: Record<string, TypedTensor> = {}
    for (const [name, tensor] of Object.entries(result.outputs))
      Object.defineProperty(outputs, name, {
        value: { dtype: tensor.dtype, dims: tensor.dims, data: tensorToTypedArray(tensor) },
        enumerable: true,
        writable: true,
      })
    return outputs
  }
  throw jobError(job)
}

/** Why a job has no outputs, as a typed error. */
export function jobError(job: GridJob): BaseError {
  if (job.error)
    return deserializeError({
      code: job.error.code,
      message: job.error.message,
      details: { jobId: job.id, status: job.status },
    })
  return new SdkError(`The job ${job.id} is ${job.status}, not completed: wait for it first.`, {
    code: 'SDK_JOB_NOT_COMPLETED',
    details: { jobId: job.id, status: job.status },
  })
}
