/**
 * Entry of the hashing Web Worker (createWorkerHasher): sha256 of the bytes it is sent, with
 * WebCrypto, off the page's main thread. Messages: `{ id, bytes }` in, `{ id, hex }` or
 * `{ id, error }` out.
 */
import { sha256Hex } from '../../protocol/hash/sha256Hex.ts'

type Scope = {
  onmessage: ((event: MessageEvent<{ id: number; bytes: Uint8Array }>) => void) | null
  postMessage(message: unknown): void
}
const scope = self as unknown as Scope

scope.onmessage = (event) => {
  const { id, bytes } = event.data
  sha256Hex(bytes).then(
    (hex) => scope.postMessage({ id, hex }),
    (error: unknown) =>
      scope.postMessage({ id, error: error instanceof Error ? error.message : String(error) }),
  )
}
