import { ModelError } from '../../../protocol/errors/ModelError.ts'
import type { TensorSpec } from '../../../protocol/models/ModelManifest.ts'
import { MAX_KNOWN_ANSWER_BYTES } from '../../../protocol/models/modelLimits.ts'
import type { Tensor, TensorMap } from '../../../protocol/tensor/Tensor.ts'
import { typedArrayConstructors } from '../../../protocol/tensor/typedArrays.ts'
import { expectedByteLength } from '../../../protocol/tensor/validateTensor.ts'
import { xorshift32 } from '../builtin/xorshift32.ts'

export type DefaultKnownAnswerInputsParameters = {
  inputs: readonly TensorSpec[]
  /** Size given to every dynamic axis but the first (a batch axis, in practice, which gets 1). */
  dynamicSize: number
}

export type DefaultKnownAnswerInputsErrorType = ModelError<'MODEL_UNSUPPORTED'>

/**
 * Known-answer inputs for a model nobody described (an operator's upload): each dynamic axis
 * takes a small size, and the values are deterministic pseudo-random numbers in a range most
 * models accept (floats in [-1, 1), integers 0 to 9 so that index inputs stay in range, bools).
 * The same specs always give the same bytes.
 */
export function defaultKnownAnswerInputs({
  inputs,
  dynamicSize,
}: DefaultKnownAnswerInputsParameters): TensorMap {
  let total = 0
  const entries = inputs.map((spec, index): [string, Tensor] => {
    const dims = spec.dims.map((dim, axis) =>
      typeof dim === 'number' ? dim : axis === 0 ? 1 : dynamicSize,
    )
    const bytes = expectedByteLength(spec.dtype, dims)
    total += bytes ?? Number.POSITIVE_INFINITY
    if (bytes === undefined || total > MAX_KNOWN_ANSWER_BYTES / 2)
      throw new ModelError(
        `The known-answer input "${spec.name}" [${dims.join(', ')}] is too large for a manifest.`,
        { code: 'MODEL_UNSUPPORTED', details: { input: spec.name, dims: dims.join('x') } },
      )
    const random = xorshift32(0x9e3779b9 ^ (index + 1))
    const count = bytes / typedArrayConstructors[spec.dtype].BYTES_PER_ELEMENT
    const values = new typedArrayConstructors[spec.dtype](new ArrayBuffer(bytes), 0, count)
    fill(values, spec.dtype, random)
    return [spec.name, { dtype: spec.dtype, dims, data: new Uint8Array(values.buffer) }]
  })
  return Object.fromEntries(entries)
}

function fill(values: ArrayLike<unknown>, dtype: TensorSpec['dtype'], random: () => number): void {
  const length = values.length
  const target = values as unknown as Record<number, number | bigint>
  for (let i = 0; i < length; i++) {
    const r = random()
    switch (dtype) {
      case 'float32':
      case 'float64':
        target[i] = r * 2 - 1
        break
      case 'float16':
        // Raw IEEE half bits of a value in (-1, 1): any sign, exponent field 0 to 14, any mantissa.
        target[i] =
          (r < 0.5 ? 0x8000 : 0) | (Math.floor(random() * 15) << 10) | Math.floor(random() * 1024)
        break
      case 'bool':
        target[i] = r < 0.5 ? 0 : 1
        break
      case 'int64':
      case 'uint64':
        target[i] = BigInt(Math.floor(r * 10))
        break
      default:
        target[i] = Math.floor(r * 10)
    }
  }
}
