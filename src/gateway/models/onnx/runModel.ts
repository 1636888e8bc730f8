import * as ort from 'onnxruntime-node'
import { ModelError } from '../../../protocol/errors/ModelError.ts'
import { isDType } from '../../../protocol/tensor/dtypes.ts'
import type { Tensor, TensorMap } from '../../../protocol/tensor/Tensor.ts'
import { tensorToTypedArray } from '../../../protocol/tensor/tensorToTypedArray.ts'

export type RunModelParameters = {
  /** Path of the ONNX file (a registered model: its bytes hash to its id). */
  file: string
  inputs: TensorMap
  outputNames: readonly string[]
}

export type RunModelReturnType = {
  outputs: TensorMap
  /** Time of the run alone (session creation excluded), in microseconds. */
  runUs: number
}

/** Sessions by file, kept while the worker thread lives (it ends when idle). */
const sessions = new Map<string, Promise<ort.InferenceSession>>()

/**
 * Runs a job's inputs through a model with onnxruntime-node on the CPU, one thread (the
 * reference the verifier compares a worker's result with; reproducible to the bit). Runs inside
 * the gateway's ONNX worker thread, never on the event loop. Sessions are cached per file.
 */
export async function runModel({
  file,
  inputs,
  outputNames,
}: RunModelParameters): Promise<RunModelReturnType> {
  let session = sessions.get(file)
  if (!session) {
    session = ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      logSeverityLevel: 3,
    })
    sessions.set(file, session)
    session.catch(() => sessions.delete(file))
  }
  const ready = await session
  const feeds = Object.fromEntries(
    Object.entries(inputs).map(([name, tensor]) => [
      name,
      new ort.Tensor(tensor.dtype, tensorToTypedArray(tensor) as ort.Tensor.DataType, [
        ...tensor.dims,
      ]),
    ]),
  )
  const started = performance.now()
  let results: ort.InferenceSession.ReturnType
  try {
    results = await ready.run(feeds, [...outputNames])
  } catch (error) {
    throw new ModelError(
      `The reference run failed: ${error instanceof Error ? error.message : String(error)}`,
      { code: 'MODEL_UNSUPPORTED', cause: error },
    )
  }
  const runUs = Math.round((performance.now() - started) * 1000)
  const outputs: TensorMap = {}
  for (const name of outputNames) {
    const value = results[name]
    if (!value || !isDType(value.type))
      throw new ModelError(`The reference run returned no tensor "${name}".`, {
        code: 'MODEL_UNSUPPORTED',
        details: { output: name },
      })
    const data = value.data as ArrayBufferView
    const bytes = new Uint8Array(data.byteLength)
    bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    const tensor: Tensor = { dtype: value.type, dims: [...value.dims], data: bytes }
    outputs[name] = tensor
  }
  return { outputs, runUs }
}
