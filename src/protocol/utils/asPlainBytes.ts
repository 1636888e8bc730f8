/**
 * A plain Uint8Array view of the same memory (no copy). Node's Buffer is a Uint8Array subclass
 * whose `slice` shares memory instead of copying, and cborg uses Buffer in Node: feeding it plain
 * views keeps decoded byte strings independent copies and gives both runtimes the same types.
 */
export function asPlainBytes(bytes: Uint8Array): Uint8Array {
  if (Object.getPrototypeOf(bytes) === Uint8Array.prototype) return bytes
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
