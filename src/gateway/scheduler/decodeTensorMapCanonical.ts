import { TENSOR_MAP_MAGIC } from '../../protocol/hash/encodeTensorMapCanonical.ts'
import { dtypeFromCode } from '../../protocol/tensor/dtypes.ts'
import type { Tensor, TensorMap } from '../../protocol/tensor/Tensor.ts'
import { validateTensorMap } from '../../protocol/tensor/validateTensorMap.ts'

const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * Reads back the canonical tensor-map layout of src/protocol/hash/encodeTensorMapCanonical.ts,
 * which is how the gateway stores job inputs and outputs: the stored bytes are exactly what the
 * input and output hashes cover, so a stored job can never drift from its hash. Tensor data are
 * views into `bytes` (no copy). Throws a TypeError on bytes that are not that layout (a corrupt
 * row), and validates the result like any tensor map.
 */
export function decodeTensorMapCanonical(bytes: Uint8Array): TensorMap {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const fail = (what: string): never => {
    throw new TypeError(`Not a canonical tensor map: ${what}.`)
  }
  if (bytes.byteLength < 9) fail('too short')
  for (let i = 0; i < TENSOR_MAP_MAGIC.length; i++)
    if (bytes[i] !== TENSOR_MAP_MAGIC[i]) fail('bad magic')
  if (view.getUint8(4) !== 1) fail('unknown layout version')
  const count = view.getUint32(5, true)
  const map: TensorMap = {}
  let offset = 9
  const need = (n: number) => {
    if (offset + n > bytes.byteLength) fail('truncated')
  }
  for (let i = 0; i < count; i++) {
    need(4)
    const nameLength = view.getUint32(offset, true)
    offset += 4
    need(nameLength + 2)
    const name = decoder.decode(bytes.subarray(offset, offset + nameLength))
    offset += nameLength
    const dtype = dtypeFromCode(view.getUint8(offset)) ?? fail('unknown dtype')
    const rank = view.getUint8(offset + 1)
    offset += 2
    need(8 * rank + 8)
    const dims: number[] = []
    for (let d = 0; d < rank; d++) {
      dims.push(Number(view.getBigUint64(offset, true)))
      offset += 8
    }
    const byteLength = Number(view.getBigUint64(offset, true))
    offset += 8
    need(byteLength)
    if (Object.hasOwn(map, name)) fail('repeated name')
    // A plain Uint8Array view even when `bytes` is a Buffer (as SQLite returns blobs): Buffer's
    // slice() shares memory where Uint8Array's copies, a difference that corrupts data downstream.
    const data = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, byteLength)
    const tensor: Tensor = { dtype, dims, data }
    // defineProperty: a tensor named __proto__ must stay a tensor, not become the prototype.
    Object.defineProperty(map, name, { value: tensor, enumerable: true, writable: true })
    offset += byteLength
  }
  if (offset !== bytes.byteLength) fail('trailing bytes')
  return validateTensorMap(map)
}
