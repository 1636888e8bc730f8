import { BaseError } from '../protocol/errors/BaseError.ts'
import type { Tensor, TensorMap } from '../protocol/tensor/Tensor.ts'
import { validateTensor } from '../protocol/tensor/validateTensor.ts'
import type { GridJob, GridJobStatus, GridResult } from './GridJob.ts'
import { SdkError } from './SdkError.ts'

const statuses: readonly GridJobStatus[] = ['queued', 'leased', 'completed', 'failed', 'cancelled']

/**
 * Reads a job view from a decoded CBOR body (maps as Map, tensor data as byte strings) into a
 * GridJob, checking what the SDK relies on: the id, a known status, and well-formed tensors.
 * Anything else is SDK_INVALID_RESPONSE (a gateway of another version, or not a gateway).
 */
export function toGridJob(value: unknown): GridJob {
  try {
    const job = record(value, 'job')
    const id = job.get('id')
    const status = job.get('status')
    if (typeof id !== 'string') throw invalid('job.id')
    if (!statuses.includes(status as GridJobStatus)) throw invalid('job.status')
    const error = job.get('error')
    const results = job.get('results')
    if (!Array.isArray(results)) throw invalid('job.results')
    return {
      id,
      status: status as GridJobStatus,
      model: String(job.get('model')) as GridJob['model'],
      outputs: strings(job.get('outputs')),
      priority: Number(job.get('priority') ?? 0),
      redundancy: Number(job.get('redundancy') ?? 1),
      attempts: Number(job.get('attempts') ?? 0),
      failures: Number(job.get('failures') ?? 0),
      createdAt: String(job.get('createdAt') ?? ''),
      finishedAt: typeof job.get('finishedAt') === 'string' ? String(job.get('finishedAt')) : null,
      error:
        error === null || error === undefined
          ? null
          : {
              code: String(record(error, 'job.error').get('code')),
              message: String(record(error, 'job.error').get('message') ?? ''),
            },
      results: results.map((result, i) => toResult(result, `job.results[${i}]`)),
    }
  } catch (error) {
    if (error instanceof SdkError) throw error
    throw new SdkError('The gateway answered a job in a form this SDK cannot read.', {
      code: 'SDK_INVALID_RESPONSE',
      cause: error,
      details: { reason: error instanceof BaseError ? error.shortMessage : String(error) },
    })
  }
}

function toResult(value: unknown, path: string): GridResult {
  const result = record(value, path)
  const outputs: TensorMap = {}
  for (const [name, tensor] of record(result.get('outputs'), `${path}.outputs`)) {
    const fields = record(tensor, `${path}.outputs.${name}`)
    const parsed = validateTensor(
      { dtype: fields.get('dtype'), dims: fields.get('dims'), data: fields.get('data') },
      { path: `${path}.outputs[${JSON.stringify(name)}]` },
    )
    Object.defineProperty(outputs, name, {
      value: parsed satisfies Tensor,
      enumerable: true,
      writable: true,
    })
  }
  const worker = record(result.get('worker') ?? new Map(), `${path}.worker`)
  return {
    outputs,
    outputHash: String(result.get('outputHash') ?? ''),
    backend: String(result.get('backend') ?? ''),
    worker: {
      peerId: String(worker.get('peerId') ?? ''),
      wallet: typeof worker.get('wallet') === 'string' ? String(worker.get('wallet')) : null,
    },
    inferenceMs: Number(result.get('inferenceMs') ?? 0),
    totalMs: Number(result.get('totalMs') ?? 0),
    receivedAt: String(result.get('receivedAt') ?? ''),
  }
}

/** A CBOR map (Map) or a JSON object, as a Map with text keys. */
function record(value: unknown, path: string): Map<string, unknown> {
  if (value instanceof Map) return value as Map<string, unknown>
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return new Map(Object.entries(value))
  throw invalid(path)
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.map(String) : []
}

function invalid(path: string): SdkError {
  return new SdkError(`The gateway's answer has no valid ${path}.`, {
    code: 'SDK_INVALID_RESPONSE',
    details: { path },
  })
}
