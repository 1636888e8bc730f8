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

/**
 * What verification a job asked for and reached. `requested`: `redundant` for k >= 2 (majority
 * of k distinct wallets), else `spot-check` (re-run on the gateway with the worker's adaptive
 * rate). `level`: `pending` until decided; `spot-checked` (the result matched the gateway's
 * re-run), `unchecked` (not sampled: accepted on the worker's standing), `redundant` (a majority
 * agreed), `failed` (no majority even after extra replicas).
 */
export type VerificationView = {
  requested: 'spot-check' | 'redundant'
  level: 'pending' | 'unchecked' | 'spot-checked' | 'redundant' | 'failed'
  /** Replicas asked for, and replicas run (verification may add some). */
  requestedReplicas: number
  replicas: number
  verifiedAt: string | null
  /** Micro-credits each verified result earns, as a decimal string. */
  price: string
}

/** Proof of one result: who signed what, and what the verifier decided about it. */
export type ReceiptView = {
  leaseId: number
  worker: { peerId: string; wallet: string | null; sessionKey: string }
  backend: string
  outputHash: string
  /** The session key's signature over the EIP-712 Result (job, model, input and output hashes). */
  signature: string
  receivedAt: string
  decision: 'valid' | 'invalid' | 'unchecked' | 'pending'
  method: string | null
  detail: string | null
  decidedAt: string | null
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
  /** Results not found invalid, oldest first (the majority's, for a redundant job). */
  results: ResultView<Data>[]
  verification: VerificationView
  /** Every result received, with its signature and verdict. */
  receipts: ReceiptView[]
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
  const wrong = (result: ResultRow) =>
    result.verdict?.decision === 'invalid' || result.recheck?.decision === 'invalid'
  const visible = results.filter((result) => !wrong(result))
  return {
    id: job.id,
    status: job.state,
    model: job.modelId,
    outputs: job.outputNames,
    priority: job.priority,
    redundancy: job.requestedRedundancy,
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
    verification: {
      requested: job.requestedRedundancy >= 2 ? 'redundant' : 'spot-check',
      level: job.verification ?? 'pending',
      requestedReplicas: job.requestedRedundancy,
      replicas: job.redundancy,
      verifiedAt: job.verifiedAt === undefined ? null : new Date(job.verifiedAt).toISOString(),
      price: job.price.toString(),
    },
    receipts: results.map((result) => ({
      leaseId: result.leaseId,
      worker: {
        peerId: result.workerPeer,
        wallet: result.wallet ?? null,
        sessionKey: result.sessionKey,
      },
      backend: result.backend,
      outputHash: result.outputHash,
      signature: result.signature,
      receivedAt: new Date(result.receivedAt).toISOString(),
      ...(result.recheck?.decision === 'invalid'
        ? {
            decision: 'invalid' as const,
            method: 'recheck',
            detail: result.recheck.detail,
            decidedAt: new Date(result.recheck.decidedAt).toISOString(),
          }
        : {
            decision: result.verdict?.decision ?? ('pending' as const),
            method: result.verdict?.method ?? null,
            detail: result.verdict?.detail ?? null,
            decidedAt: result.verdict ? new Date(result.verdict.decidedAt).toISOString() : null,
          }),
    })),
    results: visible.map((result) => ({
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
