import type { ModelManifest, TensorSpec } from '../../protocol/models/ModelManifest.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'

/** Values of the manifest's named (dynamic) axes, as the job's inputs fix them. */
export type AxisBindings = ReadonlyMap<string, number>

export type SpecMismatch = { message: string; tensor: string }

export type MatchInputsReturnType =
  | { ok: true; bindings: AxisBindings }
  | ({ ok: false } & SpecMismatch)

/**
 * Checks a job's inputs against the model manifest: exactly the manifest's inputs by name, each
 * with the manifest's dtype and rank, fixed dims equal, and every named axis the same size
 * wherever it appears. Returns the sizes of the named axes, which results are later held to.
 */
export function matchInputs(manifest: ModelManifest, inputs: TensorMap): MatchInputsReturnType {
  const bindings = new Map<string, number>()
  const names = Object.keys(inputs)
  for (const name of names) {
    if (!manifest.inputs.some((spec) => spec.name === name))
      return mismatch(name, `The model has no input named ${JSON.stringify(name)}.`)
  }
  for (const spec of manifest.inputs) {
    const tensor = inputs[spec.name]
    if (!tensor) return mismatch(spec.name, `The input ${JSON.stringify(spec.name)} is missing.`)
    const problem = compare(spec, tensor.dtype, tensor.dims, bindings, true)
    if (problem) return mismatch(spec.name, problem)
  }
  return { ok: true, bindings }
}

/**
 * Checks a result's outputs: exactly `outputNames`, each with the manifest's dtype and rank, fixed
 * dims equal, and named axes that the inputs fixed ('batch') equal to their input size. Axes only
 * outputs name (a detector's box count) may take any size.
 */
export function matchOutputs(
  manifest: ModelManifest,
  outputNames: readonly string[],
  outputs: TensorMap,
  bindings: AxisBindings,
): SpecMismatch | undefined {
  const names = Object.keys(outputs)
  for (const name of names) {
    if (!outputNames.includes(name))
      return { tensor: name, message: `The output ${JSON.stringify(name)} was not asked for.` }
  }
  for (const name of outputNames) {
    const tensor = outputs[name]
    if (!tensor) return { tensor: name, message: `The output ${JSON.stringify(name)} is missing.` }
    const spec = manifest.outputs.find((s) => s.name === name)
    if (!spec)
      return { tensor: name, message: `The model has no output named ${JSON.stringify(name)}.` }
    const problem = compare(spec, tensor.dtype, tensor.dims, new Map(bindings), false)
    if (problem) return { tensor: name, message: problem }
  }
  return undefined
}

function compare(
  spec: TensorSpec,
  dtype: string,
  dims: readonly number[],
  bindings: Map<string, number>,
  bind: boolean,
): string | undefined {
  const label = JSON.stringify(spec.name)
  if (dtype !== spec.dtype) return `${label} must be ${spec.dtype}, not ${dtype}.`
  if (dims.length !== spec.dims.length)
    return `${label} must have ${spec.dims.length} dims [${spec.dims.join(', ')}], not ${dims.length} [${dims.join(', ')}].`
  for (let i = 0; i < dims.length; i++) {
    const want = spec.dims[i]
    const got = dims[i] ?? -1
    // A job's input with an empty free axis has nothing to run (and onnxruntime backends differ
    // on zero-size tensors): refused before it can reach a worker.
    if (bind && got < 1 && !(typeof want === 'number' && want === got))
      return `${label} dim ${i} must be at least 1, not ${got}: an empty input has nothing to run.`
    if (typeof want === 'number') {
      if (want >= 0 && want !== got)
        return `${label} dim ${i} must be ${want}, not ${got} (shape [${spec.dims.join(', ')}]).`
      continue
    }
    if (want === undefined) continue
    const bound = bindings.get(want)
    if (bound === undefined) {
      if (bind) bindings.set(want, got)
      continue
    }
    if (bound !== got)
      return `${label} dim ${i} (${want}) must be ${bound} like elsewhere in the job, not ${got}.`
  }
  return undefined
}

function mismatch(tensor: string, message: string): { ok: false } & SpecMismatch {
  return { ok: false, tensor, message }
}
