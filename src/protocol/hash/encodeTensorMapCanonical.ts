import type { TensorError } from '../errors/TensorError'
import { dtypes } from '../tensor/dtypes'
import type { Tensor, TensorMap } from '../tensor/Tensor'
import { validateTensorMap } from '../tensor/validateTensorMap'
import { compareBytes } from '../utils/compareBytes'

/** "IGTM": Inference Grid Tensor Map. */
export const TENSOR_MAP_MAGIC = new Uint8Array([0x49, 0x47, 0x54, 0x4d])
export const TENSOR_MAP_LAYOUT_VERSION = 1

export type EncodeTensorMapCanonicalErrorType = TensorError

/**
 * The one byte layout a named tensor map hashes over. Input and output hashes that workers sign
 * and the gateway compares are sha256 of these bytes, so the layout must never change without
 * bumping TENSOR_MAP_LAYOUT_VERSION. All integers are little-endian.
 *
 *   magic        4 bytes   "IGTM" (0x49 0x47 0x54 0x4d)
 *   version      u8        1
 *   count        u32       number of tensors
 *   entries, sorted by the bytewise order of their UTF-8 names (so insertion order is irrelevant):
 *     nameLength u32       byte length of the UTF-8 name
 *     name       bytes     UTF-8
 *     dtype      u8        ONNX TensorProto.DataType code (see dtypes)
 *     rank       u8        number of dims
 *     dims       u64 each  rank values
 *     byteLength u64       length of the raw data
 *     data       bytes     raw little-endian elements, row-major
 *
 * Every variable-length part is length-prefixed and dims are written whole, so no two distinct
 * maps share an encoding (a [2,3] and a [3,2] tensor with equal bytes hash differently).
 */
export function encodeTensorMapCanonical(map: TensorMap): Uint8Array {
  validateTensorMap(map)
  const entries = sortedEntries(map)
  const out = new Uint8Array(encodedLength(entries))
  const view = new DataView(out.buffer)
  out.set(TENSOR_MAP_MAGIC, 0)
  view.setUint8(4, TENSOR_MAP_LAYOUT_VERSION)
  view.setUint32(5, entries.length, true)
  let offset = 9
  for (const entry of entries) offset = writeEntry(out, view, offset, entry)
  return out
}

type Entry = { name: Uint8Array; tensor: Tensor }

const encoder = new TextEncoder()

function sortedEntries(map: TensorMap): Entry[] {
  return Object.entries(map)
    .map(([name, tensor]) => ({ name: encoder.encode(name), tensor }))
    .sort((a, b) => compareBytes(a.name, b.name))
}

function encodedLength(entries: readonly Entry[]): number {
  let length = 9
  for (const { name, tensor } of entries) {
    length += 4 + name.length + 2 + 8 * tensor.dims.length + 8 + tensor.data.byteLength
  }
  return length
}

function writeEntry(out: Uint8Array, view: DataView, start: number, entry: Entry): number {
  const { name, tensor } = entry
  let offset = start
  view.setUint32(offset, name.length, true)
  out.set(name, offset + 4)
  offset += 4 + name.length
  view.setUint8(offset, dtypes[tensor.dtype].code)
  view.setUint8(offset + 1, tensor.dims.length)
  offset += 2
  for (const dim of tensor.dims) {
    view.setBigUint64(offset, BigInt(dim), true)
    offset += 8
  }
  view.setBigUint64(offset, BigInt(tensor.data.byteLength), true)
  out.set(tensor.data, offset + 8)
  return offset + 8 + tensor.data.byteLength
}
