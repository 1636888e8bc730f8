import { BaseError } from '../../protocol/errors/BaseError.ts'
import { JobError, type JobErrorCode } from '../../protocol/errors/JobError.ts'

/** Engine failures the gateway should act on: the job is bad, or this worker cannot serve it. */
const jobCodeOf: Partial<Record<string, JobErrorCode>> = {
  ENGINE_INPUT_MISMATCH: 'JOB_INVALID_INPUT',
  ENGINE_MODEL_NOT_LOADED: 'JOB_MODEL_UNAVAILABLE',
  ENGINE_BACKEND_UNAVAILABLE: 'JOB_BACKEND_UNAVAILABLE',
  WEBGPU_UNAVAILABLE: 'JOB_BACKEND_UNAVAILABLE',
  ENGINE_ABORTED: 'JOB_CANCELLED',
}

/**
 * The JobError a worker reports for an Engine failure: bad inputs (ENGINE_INPUT_MISMATCH, any
 * TENSOR_* code) become JOB_INVALID_INPUT, a model or backend this engine cannot use becomes
 * JOB_MODEL_UNAVAILABLE / JOB_BACKEND_UNAVAILABLE (the gateway then stops offering it that model),
 * everything else JOB_INFERENCE_FAILED. The engine's code and message travel in the details.
 */
export function jobErrorFromEngine(error: unknown): JobError {
  if (error instanceof JobError) return error
  const engineCode = error instanceof BaseError ? error.code : undefined
  const code =
    (engineCode && jobCodeOf[engineCode]) ??
    (engineCode?.startsWith('TENSOR_') ? 'JOB_INVALID_INPUT' : 'JOB_INFERENCE_FAILED')
  const reason =
    error instanceof BaseError
      ? error.shortMessage
      : error instanceof Error
        ? error.message
        : String(error)
  return new JobError(
    code === 'JOB_INFERENCE_FAILED'
      ? 'The model run failed on this worker.'
      : code === 'JOB_INVALID_INPUT'
        ? 'The job inputs do not match what the model expects.'
        : code === 'JOB_CANCELLED'
          ? 'The run was aborted on this worker.'
          : 'This worker cannot run the model.',
    {
      code,
      cause: error,
      details: { engineCode: engineCode ?? 'none', reason: reason.slice(0, 512) },
    },
  )
}
