import { TensorError } from '../errors/TensorError'
import { MAX_TENSOR_NAME_LENGTH, MAX_TENSORS } from '../limits'
import { isWellFormed } from '../utils/isWellFormed'
import type { TensorMap } from './Tensor'
import { validateTensor } from './validateTensor'

export type ValidateTensorMapOptions = {
  /** Where the map sits (e.g. `assign.inputs`), for error details. */
  path?: string | undefined
}

export type ValidateTensorMapErrorType = TensorError

/**
 * Asserts that a value is a valid named tensor map: a plain object of at most MAX_TENSORS entries
 * whose names are non-empty well-formed strings (lone surrogates would make two names encode to
 * the same UTF-8 bytes, and so hash alike) and whose values are valid tensors.
 */
export function validateTensorMap(map: unknown, options: ValidateTensorMapOptions = {}): TensorMap {
  const path = options.path ?? 'tensors'
  if (typeof map !== 'object' || map === null || Array.isArray(map)) {
    throw new TensorError('A tensor map must be an object of named tensors.', {
      code: 'TENSOR_INVALID_DATA',
      details: { path },
    })
  }
  const entries = Object.entries(map)
  if (entries.length > MAX_TENSORS) {
    throw new TensorError(`A tensor map may hold at most ${MAX_TENSORS} tensors.`, {
      code: 'TENSOR_MAP_TOO_LARGE',
      details: { path, count: entries.length, max: MAX_TENSORS },
    })
  }
  for (const [name, tensor] of entries) {
    assertTensorName(name, path)
    validateTensor(tensor, { path: `${path}[${JSON.stringify(name)}]` })
  }
  return map as TensorMap
}

/** Throws TENSOR_INVALID_NAME unless the name is 1..MAX_TENSOR_NAME_LENGTH well-formed chars. */
export function assertTensorName(name: unknown, path: string): asserts name is string {
  if (
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= MAX_TENSOR_NAME_LENGTH &&
    isWellFormed(name)
  ) {
    return
  }
  throw new TensorError('Tensor names must be 1 to 256 characters of well-formed Unicode.', {
    code: 'TENSOR_INVALID_NAME',
    details: { path, length: typeof name === 'string' ? name.length : null },
  })
}
