/**
 * Supported tensor element types. `code` is ONNX's TensorProto.DataType number, so the codes are
 * defined by ONNX rather than by us; it is what the wire and the canonical hash layout carry.
 * `bytes` is the size of one element. bool is one byte per element holding 0 or 1, as in ONNX.
 */
export const dtypes = {
  float32: { code: 1, bytes: 4 },
  uint8: { code: 2, bytes: 1 },
  int8: { code: 3, bytes: 1 },
  uint16: { code: 4, bytes: 2 },
  int16: { code: 5, bytes: 2 },
  int32: { code: 6, bytes: 4 },
  int64: { code: 7, bytes: 8 },
  bool: { code: 9, bytes: 1 },
  float16: { code: 10, bytes: 2 },
  float64: { code: 11, bytes: 8 },
  uint32: { code: 12, bytes: 4 },
  uint64: { code: 13, bytes: 8 },
} as const

export type DType = keyof typeof dtypes

const dtypeByCode: ReadonlyMap<number, DType> = new Map(
  Object.entries(dtypes).map(([name, { code }]) => [code, name as DType]),
)

export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && Object.hasOwn(dtypes, value)
}

/** The dtype with this ONNX code, or undefined when we do not support it. */
export function dtypeFromCode(code: number): DType | undefined {
  return dtypeByCode.get(code)
}
