import { EngineError } from '../../protocol/errors/EngineError.ts'
import type { ModelManifest, TensorSpec } from '../../protocol/models/ModelManifest.ts'
import type { Tensor, TensorMap } from '../../protocol/tensor/Tensor.ts'
import { validateTensorMap } from '../../protocol/tensor/validateTensorMap.ts'

export type ValidateRunInputsReturnType = {
  /** The output names to ask for: the ones given, or every output of the manifest. */
  outputNames: string[]
}

export type ValidateRunInputsErrorType = EngineError

/**
 * Checks a run against the model's manifest before it is queued, so a bad job fails fast with a
 * reason instead of deep inside onnxruntime: well-formed tensors (TensorError otherwise), exactly
 * the manifest's inputs, each with its dtype, rank and fixed dims, and only known output names.
 */
export function validateRunInputs(
  manifest: ModelManifest,
  inputs: TensorMap,
  outputNames: readonly string[] | undefined,
): ValidateRunInputsReturnType {
  validateTensorMap(inputs, { path: 'inputs' })
  const expected = new Map(manifest.inputs.map((spec) => [spec.name, spec]))
  for (const name of Object.keys(inputs)) {
    if (!expected.has(name)) {
      throw mismatch(`The model has no input named ${JSON.stringify(name)}.`, manifest, {
        input: name,
        expectedInputs: [...expected.keys()].join(','),
      })
    }
  }
  for (const spec of manifest.inputs) {
    const tensor = inputs[spec.name]
    if (!tensor) {
      throw mismatch(`Input ${JSON.stringify(spec.name)} is missing.`, manifest, {
        input: spec.name,
      })
    }
    checkSpec(spec, tensor, manifest)
  }
  const known = new Set(manifest.outputs.map((spec) => spec.name))
  const wanted = outputNames && outputNames.length > 0 ? [...outputNames] : [...known]
  for (const name of wanted) {
    if (!known.has(name)) {
      throw mismatch(`The model has no output named ${JSON.stringify(name)}.`, manifest, {
        output: name,
        expectedOutputs: [...known].join(','),
      })
    }
  }
  if (new Set(wanted).size !== wanted.length) {
    throw mismatch('An output name is repeated.', manifest, { outputs: wanted.join(',') })
  }
  return { outputNames: wanted }
}

function checkSpec(spec: TensorSpec, tensor: Tensor, manifest: ModelManifest): void {
  const details = {
    input: spec.name,
    expectedDtype: spec.dtype,
    expectedDims: spec.dims.join('x'),
    dtype: tensor.dtype,
    dims: tensor.dims.join('x'),
  }
  if (tensor.dtype !== spec.dtype) {
    throw mismatch(`Input ${JSON.stringify(spec.name)} must be ${spec.dtype}.`, manifest, details)
  }
  const fixedDimsDiffer = spec.dims.some(
    (dim, i) => typeof dim === 'number' && dim >= 0 && tensor.dims[i] !== dim,
  )
  if (tensor.dims.length !== spec.dims.length || fixedDimsDiffer) {
    throw mismatch(
      `Input ${JSON.stringify(spec.name)} has dims [${tensor.dims.join(', ')}]; the model takes [${spec.dims.join(', ')}].`,
      manifest,
      details,
    )
  }
}

function mismatch(
  message: string,
  manifest: ModelManifest,
  details: Record<string, string | number>,
): EngineError {
  return new EngineError(message, {
    code: 'ENGINE_INPUT_MISMATCH',
    details: { modelId: manifest.id, model: manifest.name, ...details },
  })
}
