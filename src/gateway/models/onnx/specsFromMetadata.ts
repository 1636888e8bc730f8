import { ModelError } from '../../../protocol/errors/ModelError.ts'
import { MAX_RANK, MAX_TENSORS } from '../../../protocol/limits.ts'
import type { TensorSpec } from '../../../protocol/models/ModelManifest.ts'
import { AXIS_NAME_PATTERN, MAX_SPEC_DIM } from '../../../protocol/models/modelLimits.ts'
import { isDType } from '../../../protocol/tensor/dtypes.ts'
import type { OnnxModelMetadata, OnnxValueMetadata } from './OnnxMetadata.ts'

export type SpecsFromMetadataParameters = {
  metadata: OnnxModelMetadata
  /** Dims to use per tensor name where the metadata leaves axes dynamic (built-in models). */
  declared?: Readonly<Record<string, readonly (number | string)[]>> | undefined
}

export type SpecsFromMetadataReturnType = { inputs: TensorSpec[]; outputs: TensorSpec[] }

export type SpecsFromMetadataErrorType = ModelError<'MODEL_UNSUPPORTED'>

/**
 * The manifest's input and output specs from onnxruntime's metadata. A fixed axis keeps its size; a
 * dynamic one takes the declared dims where given, else the exporter's axis name when it is an
 * identifier, else a name unique to its tensor and axis (`input0_d2`), so that two unnamed axes
 * never read as "the same size". Throws MODEL_UNSUPPORTED for values the grid cannot carry.
 */
export function specsFromMetadata({
  metadata,
  declared = {},
}: SpecsFromMetadataParameters): SpecsFromMetadataReturnType {
  for (const [side, values] of [
    ['inputs', metadata.inputs],
    ['outputs', metadata.outputs],
  ] as const)
    if (values.length === 0 || values.length > MAX_TENSORS)
      throw unsupported(
        `The model has ${values.length} ${side}; 1 to ${MAX_TENSORS} are supported.`,
      )
  return {
    inputs: metadata.inputs.map((value, i) => specOf(value, `input${i}`, declared)),
    outputs: metadata.outputs.map((value, i) => specOf(value, `output${i}`, declared)),
  }
}

function specOf(
  value: OnnxValueMetadata,
  fallbackPrefix: string,
  declared: Readonly<Record<string, readonly (number | string)[]>>,
): TensorSpec {
  if (!value.isTensor)
    throw unsupported(`"${value.name}" is not a tensor (sequences and maps are not supported).`)
  if (!isDType(value.type))
    throw unsupported(
      `"${value.name}" has element type ${value.type}, which the grid cannot carry.`,
    )
  const shape = value.shape ?? []
  if (shape.length > MAX_RANK)
    throw unsupported(`"${value.name}" has rank ${shape.length}; at most ${MAX_RANK} is supported.`)
  const wanted = Object.hasOwn(declared, value.name) ? declared[value.name] : undefined
  if (wanted && wanted.length !== shape.length)
    throw unsupported(
      `"${value.name}" has rank ${shape.length}, but the built-in table declares ${wanted.length}.`,
    )
  const dims = shape.map((dim, axis) => {
    const fixed = typeof dim === 'number' && dim >= 0
    const want = wanted?.[axis]
    if (fixed) {
      if (want !== undefined && want !== dim)
        throw unsupported(`"${value.name}" axis ${axis} is ${dim}, but the table declares ${want}.`)
      if (dim > MAX_SPEC_DIM) throw unsupported(`"${value.name}" axis ${axis} is too large.`)
      return dim
    }
    if (want !== undefined) return want
    if (typeof dim === 'string' && AXIS_NAME_PATTERN.test(dim)) return dim
    return `${fallbackPrefix}_d${axis}`
  })
  return { name: value.name, dtype: value.type, dims }
}

function unsupported(message: string): ModelError<'MODEL_UNSUPPORTED'> {
  return new ModelError(message, { code: 'MODEL_UNSUPPORTED' })
}
