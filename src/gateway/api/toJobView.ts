import type { Tensor } from '../../protocol/tensor/Tensor.ts'
import { decodeTensorMapCanonical } from '../scheduler/decodeTensorMapCanonical.ts'
import type { JobRow, JobState, ResultRow } from '../scheduler/JobStore.ts'

/** A tensor as the API returns it: `data` is base64 in JSON, a byte string in CBOR. */
export type TensorView<Data> = { dtype: Tensor['dtype']; dims: number[]; data: Data }

export type ResultView<Data> = {
  outputs: Record<string, TensorView<Data>>
  outputHash: string
  backend: string
  worker: { peerId: string; wallet: string | null }
  inferenceMs: number
  totalMs: number
  receivedAt: string
}

export type JobView<Data> = {
  id: string
  status: JobState
  model: string
  outputs: string[]
  priority: number
  redundancy: number
  /** Leases given so far (1 for a job that ran once). */
  attempts: number
  failures: number
  createdAt: string
  finishedAt: string | null
  error: { code: string; message: string } | null
  /** Accepted results, oldest first: one per replica once completed. */
  results: ResultView<Data>[]
}

export type ToJobViewParameters = {
  job: JobRow
  results: readonly ResultRow[]
  /** 'base64' for JSON bodies, 'bytes' for CBOR. */
  encoding: 'base64' | 'bytes'
}

/** The requester's view of a job: state, failure reason, and the accepted outputs. */
export function toJobView(parameters: ToJobViewParameters): JobView<string | Uint8Array> {
  const { job, results, encoding } = parameters
  return {
    id: job.id,
    status: job.state,
    model: job.modelId,
    outputs: job.outputNames,
    priority: job.priority,
    redundancy: job.redundancy,
    attempts: job.leasesIssued,
    failures: job.failures,
    createdAt: new Date(job.createdAt).toISOString(),
    finishedAt: job.finishedAt === undefined ? null : new Date(job.finishedAt).toISOString(),
    error:
      job.failureCode !== undefined
        ? { code: job.failureCode, message: job.failureMessage ?? '' }
        : job.state === 'cancelled'
          ? { code: 'JOB_CANCELLED', message: 'The job was cancelled by its requester.' }
          : null,
    results: results.map((result) => ({
      outputs: Object.fromEntries(
        Object.entries(decodeTensorMapCanonical(result.outputs)).map(([name, tensor]) => [
          name,
          {
            dtype: tensor.dtype,
            dims: [...tensor.dims],
            data: encoding === 'base64' ? Buffer.from(tensor.data).toString('base64') : tensor.data,
          },
        ]),
      ),
      outputHash: result.outputHash,
      backend: result.backend,
      worker: { peerId: result.workerPeer, wallet: result.wallet ?? null },
      inferenceMs: result.inferenceUs / 1000,
      totalMs: result.totalUs / 1000,
      receivedAt: new Date(result.receivedAt).toISOString(),
    })),
  }
}
