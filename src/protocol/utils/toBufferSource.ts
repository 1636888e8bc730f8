/**
 * WebCrypto accepts only views over a plain ArrayBuffer (not a SharedArrayBuffer, which another
 * thread could change while it reads). Returns the view itself when it qualifies, else a copy.
 */
export function toBufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  if (bytes.buffer instanceof ArrayBuffer) return bytes as Uint8Array<ArrayBuffer>
  const copy = new Uint8Array(bytes.byteLength)
  copy.set(bytes)
  return copy
}
