/**
 * What onnxruntime reports about one model input or output (its `inputMetadata` entries), kept as
 * plain data so it can cross a worker-thread boundary and be cached on disk.
 */
export type OnnxValueMetadata = {
  name: string
  isTensor: boolean
  /** onnxruntime's type name ('float32', 'int64', 'string', ...); absent for non-tensors. */
  type?: string | undefined
  /** Numbers for fixed axes; a name, '' or a negative number for dynamic ones. */
  shape?: readonly (number | string)[] | undefined
}

export type OnnxModelMetadata = {
  inputs: OnnxValueMetadata[]
  outputs: OnnxValueMetadata[]
}
