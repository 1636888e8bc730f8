import type { Backend, ModelId } from '../protocol/messages.ts'
import type { DType } from '../protocol/tensor/dtypes.ts'
import type { Tensor, TensorMap } from '../protocol/tensor/Tensor.ts'
import type { TypedArray, TypedArrayFor } from '../protocol/tensor/typedArrays.ts'

/**
 * An input tensor as a caller writes it: raw little-endian bytes (a protocol Tensor, `data` a
 * Uint8Array), or a typed array of the dtype's kind (Float32Array for float32, BigInt64Array for
 * int64, ...), which the SDK turns into bytes without copying.
 */
export type TensorInput =
  | Tensor
  | {
      [dtype in DType]: { dtype: dtype; dims: readonly number[]; data: TypedArrayFor[dtype] }
    }[DType]

/** What `submit` sends: `POST /v1/jobs`. */
export type GridJobRequest = {
  /** Model id (0x sha256) or name, e.g. 'ppocr-v4-det'. */
  model: string
  inputs: Record<string, TensorInput>
  /** Outputs wanted; all of the model's by default. */
  outputs?: string[] | undefined
  /** -1000 to 1000; higher first among this key's jobs. Default 0. */
  priority?: number | undefined
  /** Results from this many distinct workers (compared by the model's policy). Default 1. */
  redundancy?: number | undefined
  maxAttempts?: number | undefined
}

export type GridJobStatus = 'queued' | 'leased' | 'completed' | 'failed' | 'cancelled'

export const TERMINAL_STATUSES: readonly GridJobStatus[] = ['completed', 'failed', 'cancelled']

/** One accepted result: the outputs as protocol tensors (bytes), and who computed them how. */
export type GridResult = {
  outputs: TensorMap
  outputHash: string
  backend: Backend | string
  worker: { peerId: string; wallet: string | null }
  inferenceMs: number
  totalMs: number
  receivedAt: string
}

/** A job as `GET /v1/jobs/:id` reports it. */
export type GridJob = {
  id: string
  status: GridJobStatus
  model: ModelId
  outputs: string[]
  priority: number
  redundancy: number
  attempts: number
  failures: number
  createdAt: string
  finishedAt: string | null
  /** Why it failed or was cancelled: a code from the grid's table and a sentence. */
  error: { code: string; message: string } | null
  /** Accepted results, oldest first (one per replica once completed). */
  results: GridResult[]
}

/** An output read as a typed array (Float32Array for float32, ...). */
export type TypedTensor = { dtype: DType; dims: readonly number[]; data: TypedArray }

/** One line of `GET /v1/models`. */
export type ModelSummary = {
  id: ModelId
  name: string
  task: string
  size: number
  description: string
}
