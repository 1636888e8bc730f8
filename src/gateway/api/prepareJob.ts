import { createHash, randomUUID } from 'node:crypto'
import type { Hex } from 'viem'
import { encodeTensorMapCanonical } from '../../protocol/hash/encodeTensorMapCanonical.ts'
import { JobRequestError } from '../errors/api.ts'
import type { NewJob } from '../scheduler/JobStore.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'
import { matchInputs } from '../scheduler/matchTensorSpecs.ts'
import type { JobRequest } from './parseJobRequest.ts'

export type PrepareJobParameters = {
  request: JobRequest
  requester: string
  catalog: ModelCatalog
  /** Largest total of input tensor bytes per job. */
  maxInputBytes: number
  defaultMaxAttempts: number
  /** Micro-credits per verified result when the request names no price (default 0). */
  defaultPrice?: bigint | undefined
  now: number
  /** Where the request sits in a batch, for error messages. */
  index?: number | undefined
}

/**
 * Turns a well-formed request into a job the scheduler can store: the model must be one this
 * gateway serves, the inputs must match its manifest (names, dtypes, dims, consistent named
 * axes), the outputs must be the model's. The inputs are stored as their canonical bytes, whose
 * sha256 is the inputHash every worker signs, so nothing malformed can reach a worker.
 */
export function prepareJob(parameters: PrepareJobParameters): NewJob {
  const { request, catalog, index } = parameters
  const where = index === undefined ? '' : `jobs[${index}]: `
  const manifest = catalog.getManifest(request.model)
  if (!manifest) {
    throw new JobRequestError(
      'JOB_UNKNOWN_MODEL',
      `${where}This gateway serves no model ${JSON.stringify(request.model.slice(0, 128))}.`,
      { model: request.model.slice(0, 128), ...(index === undefined ? {} : { index }) },
    )
  }
  const matched = matchInputs(manifest, request.inputs)
  if (!matched.ok) {
    throw new JobRequestError('JOB_INPUT_MISMATCH', `${where}${matched.message}`, {
      model: manifest.name,
      tensor: matched.tensor,
      ...(index === undefined ? {} : { index }),
    })
  }
  const modelOutputs = manifest.outputs.map((spec) => spec.name)
  const outputNames = request.outputs ?? modelOutputs
  const unknown = outputNames.find((name) => !modelOutputs.includes(name))
  if (unknown !== undefined) {
    throw new JobRequestError(
      'JOB_INPUT_MISMATCH',
      `${where}The model has no output named ${JSON.stringify(unknown)}.`,
      { model: manifest.name, tensor: unknown, ...(index === undefined ? {} : { index }) },
    )
  }
  let inputBytes = 0
  for (const tensor of Object.values(request.inputs)) inputBytes += tensor.data.byteLength
  if (inputBytes > parameters.maxInputBytes) {
    throw new JobRequestError(
      'JOB_TOO_LARGE',
      `${where}The inputs hold ${inputBytes} bytes; this gateway accepts at most ${parameters.maxInputBytes} per job.`,
      { inputBytes, maxInputBytes: parameters.maxInputBytes },
    )
  }
  const inputs = encodeTensorMapCanonical(request.inputs)
  return {
    id: randomUUID(),
    requester: parameters.requester,
    modelId: manifest.id,
    inputs,
    inputHash: `0x${createHash('sha256').update(inputs).digest('hex')}` as Hex,
    outputNames,
    axes: Object.fromEntries(matched.bindings),
    priority: request.priority,
    redundancy: request.redundancy,
    maxAttempts: request.maxAttempts ?? parameters.defaultMaxAttempts,
    price: request.price ?? parameters.defaultPrice ?? 0n,
    createdAt: parameters.now,
  }
}
