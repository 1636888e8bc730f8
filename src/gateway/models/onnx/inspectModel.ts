import { readFile } from 'node:fs/promises'
import * as ort from 'onnxruntime-node'
import { ModelError } from '../../../protocol/errors/ModelError.ts'
import { isDType } from '../../../protocol/tensor/dtypes.ts'
import type { Tensor, TensorMap } from '../../../protocol/tensor/Tensor.ts'
import { tensorToTypedArray } from '../../../protocol/tensor/tensorToTypedArray.ts'
import { defaultKnownAnswerInputs } from './defaultKnownAnswerInputs.ts'
import type { OnnxModelMetadata, OnnxValueMetadata } from './OnnxMetadata.ts'
import { specsFromMetadata } from './specsFromMetadata.ts'

export type InspectModelParameters = {
  /** Path of the ONNX file. */
  file: string
  /**
   * Read the file and hand onnxruntime the bytes rather than the path. Used for uploads: a model
   * loaded from bytes cannot reference external data files next to it (or anywhere else).
   */
  fromBytes?: boolean | undefined
  /** Known-answer inputs; without them, `defaultKnownAnswerInputs` makes some from the metadata. */
  inputs?: TensorMap | undefined
}

export type InspectModelReturnType = {
  metadata: OnnxModelMetadata
  inputs: TensorMap
  /** What onnxruntime-node on the CPU, one thread, computed for `inputs`. */
  outputs: TensorMap
  loadMs: number
  runMs: number
}

export type InspectModelErrorType = ModelError<'MODEL_INVALID_ONNX' | 'MODEL_UNSUPPORTED'>

/** Sizes tried, in order, for the dynamic axes of a model nobody described. */
const dynamicSizes = [1, 32]

/**
 * Loads a model with onnxruntime-node on the CPU with one thread (reproducible to the bit), reads
 * its input and output metadata, and runs its known-answer inputs. Runs inside the gateway's ONNX
 * worker thread: loading a large model and running it take long enough to stall the event loop.
 */
export async function inspectModel({
  file,
  fromBytes = false,
  inputs,
}: InspectModelParameters): Promise<InspectModelReturnType> {
  const loadStarted = performance.now()
  let session: ort.InferenceSession
  try {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
    }
    session = fromBytes
      ? await ort.InferenceSession.create(new Uint8Array(await readFile(file)), options)
      : await ort.InferenceSession.create(file, options)
  } catch (error) {
    throw new ModelError(
      `onnxruntime cannot load these bytes as an ONNX model: ${reasonOf(error)}`,
      {
        code: 'MODEL_INVALID_ONNX',
        cause: error,
        details: { reason: reasonOf(error) },
      },
    )
  }
  const loadMs = performance.now() - loadStarted
  try {
    const metadata: OnnxModelMetadata = {
      inputs: session.inputMetadata.map(metadataOf),
      outputs: session.outputMetadata.map(metadataOf),
    }
    if (inputs) {
      const runStarted = performance.now()
      const outputs = await run(session, inputs)
      return { metadata, inputs, outputs, loadMs, runMs: performance.now() - runStarted }
    }
    const specs = specsFromMetadata({ metadata })
    let lastError: unknown
    for (const dynamicSize of dynamicSizes) {
      const tried = defaultKnownAnswerInputs({ inputs: specs.inputs, dynamicSize })
      const runStarted = performance.now()
      try {
        const outputs = await run(session, tried)
        return { metadata, inputs: tried, outputs, loadMs, runMs: performance.now() - runStarted }
      } catch (error) {
        lastError = error
      }
    }
    throw lastError
  } finally {
    await session.release().catch(() => undefined)
  }
}

async function run(session: ort.InferenceSession, inputs: TensorMap): Promise<TensorMap> {
  let results: ort.InferenceSession.ReturnType
  try {
    const feeds = Object.fromEntries(
      Object.entries(inputs).map(([name, tensor]) => [name, toOrtTensor(tensor)]),
    )
    results = await session.run(feeds)
  } catch (error) {
    throw new ModelError(
      `The model loads, but running a known-answer input on it failed: ${reasonOf(error)}`,
      { code: 'MODEL_UNSUPPORTED', cause: error, details: { reason: reasonOf(error) } },
    )
  }
  return Object.fromEntries(
    session.outputNames.map((name) => {
      const value = results[name]
      if (!value || !isDType(value.type))
        throw new ModelError(`The output "${name}" is not a tensor the grid can carry.`, {
          code: 'MODEL_UNSUPPORTED',
          details: { output: name, type: value?.type ?? null },
        })
      const data = value.data as ArrayBufferView
      // A copy: the result may live in memory onnxruntime reuses.
      const bytes = new Uint8Array(data.byteLength)
      bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      const tensor: Tensor = { dtype: value.type, dims: [...value.dims], data: bytes }
      return [name, tensor]
    }),
  )
}

function toOrtTensor(tensor: Tensor): ort.Tensor {
  const data = tensorToTypedArray(tensor)
  return new ort.Tensor(tensor.dtype, data as ort.Tensor.DataType, [...tensor.dims])
}

function metadataOf(value: ort.InferenceSession.ValueMetadata): OnnxValueMetadata {
  if (!value.isTensor) return { name: value.name, isTensor: false }
  return { name: value.name, isTensor: true, type: value.type, shape: [...value.shape] }
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return message.replace(/\s+/g, ' ').trim().slice(0, 300)
}
