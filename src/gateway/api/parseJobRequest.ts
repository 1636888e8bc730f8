import { TensorError } from '../../protocol/errors/TensorError.ts'
import { MAX_TENSOR_NAME_LENGTH, MAX_TENSORS } from '../../protocol/limits.ts'
import { isDType } from '../../protocol/tensor/dtypes.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import { validateTensorMap } from '../../protocol/tensor/validateTensorMap.ts'
import { isWellFormed } from '../../protocol/utils/isWellFormed.ts'
import { JobRequestError } from '../errors/api.ts'

/** A job request after its shape is checked (not yet against the model's manifest). */
export type JobRequest = {
  /** Model id (0x sha256) or name. */
  model: string
  inputs: TensorMap
  /** Outputs wanted; undefined for all of the model's outputs. */
  outputs: string[] | undefined
  priority: number
  redundancy: number
  maxAttempts: number | undefined
  /** Price of each verified result in micro-credits; undefined for the gateway's default. */
  price?: bigint | undefined
}

export type JobRequestLimits = {
  maxRedundancy: number
  maxAttempts: number
}

export const MIN_PRIORITY = -1000
export const MAX_PRIORITY = 1000

const requestFields = new Set([
  'model',
  'inputs',
  'outputs',
  'priority',
  'redundancy',
  'maxAttempts',
  'price',
])
const tensorFields = new Set(['dtype', 'dims', 'data'])

/**
 * Checks the shape of one job request, in either body form: JSON (tensor data as standard base64
 * strings) or CBOR (tensor data as byte strings; maps may arrive as Map). Unknown fields are
 * refused rather than ignored, so a misspelt option cannot silently do nothing. Throws a
 * JobRequestError (JOB_REQUEST_INVALID) or TensorError naming the field.
 */
export function parseJobRequest(value: unknown, limits: JobRequestLimits, path = ''): JobRequest {
  const fields = record(value, path || 'body')
  for (const key of fields.keys()) {
    if (!requestFields.has(key)) invalid(join(path, key), 'is not a job request field')
  }
  const model = fields.get('model')
  if (typeof model !== 'string' || model.length === 0 || model.length > 128)
    invalid(join(path, 'model'), 'must be a model id or name (1 to 128 characters)')
  const inputs = parseInputs(fields.get('inputs'), join(path, 'inputs'))
  return {
    model,
    inputs,
    outputs: parseOutputs(fields.get('outputs'), join(path, 'outputs')),
    priority:
      integer(fields.get('priority'), join(path, 'priority'), MIN_PRIORITY, MAX_PRIORITY) ?? 0,
    redundancy:
      integer(fields.get('redundancy'), join(path, 'redundancy'), 1, limits.maxRedundancy) ?? 1,
    maxAttempts: integer(
      fields.get('maxAttempts'),
      join(path, 'maxAttempts'),
      1,
      limits.maxAttempts,
    ),
    price: microCredits(fields.get('price'), join(path, 'price')),
  }
}

/** Integer micro-credits: a safe JSON integer, or a decimal string for larger amounts. */
function microCredits(value: unknown, path: string): bigint | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value)
  if (typeof value === 'bigint' && value >= 0n && value < 2n ** 62n) return value
  if (typeof value === 'string' && /^\d{1,18}$/.test(value)) return BigInt(value)
  invalid(path, 'must be whole micro-credits: a non-negative integer, or a decimal string')
}

/** The `jobs` array of a batch request. */
export function parseBatchRequest(value: unknown, maxJobs: number): unknown[] {
  const fields = record(value, 'body')
  for (const key of fields.keys()) if (key !== 'jobs') invalid(key, 'is not a batch request field')
  const jobs = fields.get('jobs')
  if (!Array.isArray(jobs) || jobs.length === 0)
    invalid('jobs', 'must be a non-empty array of job requests')
  if (jobs.length > maxJobs) {
    throw new JobRequestError('JOB_TOO_LARGE', `A batch may hold at most ${maxJobs} jobs.`, {
      count: jobs.length,
      max: maxJobs,
    })
  }
  return jobs
}

function parseInputs(value: unknown, path: string): TensorMap {
  const fields = record(value, path)
  if (fields.size === 0) invalid(path, 'must name at least one input tensor')
  if (fields.size > MAX_TENSORS)
    throw new TensorError(`A job may have at most ${MAX_TENSORS} inputs.`, {
      code: 'TENSOR_MAP_TOO_LARGE',
      details: { path, count: fields.size },
    })
  const map: TensorMap = {}
  for (const [name, tensorValue] of fields) {
    const at = `${path}[${JSON.stringify(name).slice(0, 300)}]`
    const tensor = record(tensorValue, at)
    for (const key of tensor.keys())
      if (!tensorFields.has(key)) invalid(join(at, key), 'is not a tensor field')
    const dtype = tensor.get('dtype')
    if (!isDType(dtype))
      throw new TensorError(`Unsupported tensor dtype: ${String(dtype).slice(0, 32)}.`, {
        code: 'TENSOR_UNSUPPORTED_DTYPE',
        details: { path: join(at, 'dtype') },
      })
    const dims = tensor.get('dims')
    if (!Array.isArray(dims))
      throw new TensorError('Tensor dims must be an array of sizes.', {
        code: 'TENSOR_INVALID_DIMS',
        details: { path: join(at, 'dims') },
      })
    const data = tensorData(tensor.get('data'), join(at, 'data'))
    Object.defineProperty(map, name, {
      value: { dtype, dims: [...dims], data },
      enumerable: true,
      writable: true,
    })
  }
  return validateTensorMap(map, { path })
}

function tensorData(value: unknown, path: string): Uint8Array {
  if (value instanceof Uint8Array) return value
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'base64')
    // Buffer skips characters it does not know; the round trip makes decoding strict.
    if (bytes.toString('base64') === value)
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    throw new TensorError('Tensor data must be standard base64 (RFC 4648, with padding).', {
      code: 'TENSOR_INVALID_DATA',
      details: { path },
    })
  }
  throw new TensorError('Tensor data must be a base64 string (JSON) or a byte string (CBOR).', {
    code: 'TENSOR_INVALID_DATA',
    details: { path },
  })
}

function parseOutputs(value: unknown, path: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_TENSORS)
    invalid(path, `must be an array of 1 to ${MAX_TENSORS} output names`)
  const names = value.map((name, i) => {
    if (
      typeof name !== 'string' ||
      name.length === 0 ||
      name.length > MAX_TENSOR_NAME_LENGTH ||
      !isWellFormed(name)
    )
      invalid(`${path}[${i}]`, 'must be an output name')
    return name
  })
  if (new Set(names).size !== names.length) invalid(path, 'names an output twice')
  return names
}

function integer(value: unknown, path: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'bigint') invalid(path, `must be an integer from ${min} to ${max}`)
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    invalid(path, `must be an integer from ${min} to ${max}`)
  return value
}

/** A JSON object or a CBOR map with text keys, as a Map (no prototype lookups). */
function record(value: unknown, path: string): Map<string, unknown> {
  if (value instanceof Map) {
    for (const key of value.keys())
      if (typeof key !== 'string') invalid(path, 'must have text keys')
    return value as Map<string, unknown>
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    value instanceof Uint8Array
  )
    invalid(path, 'must be an object')
  return new Map(Object.entries(value))
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

function invalid(path: string, what: string): never {
  throw new JobRequestError('JOB_REQUEST_INVALID', `${path} ${what}.`, { path })
}
