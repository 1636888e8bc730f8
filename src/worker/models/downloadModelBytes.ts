import type { Hex } from 'viem'
import { ModelError } from '../../protocol/errors/ModelError.ts'
import { ModelIntegrityError } from '../../protocol/errors/ModelIntegrityError.ts'
import { sha256Hex } from '../../protocol/hash/sha256Hex.ts'

/** Progress of one download. Both spellings, so the engine's ModelSource callbacks fit too. */
export type DownloadProgress = {
  loaded: number
  total: number
  loadedBytes: number
  totalBytes: number
  /** True when the bytes came from the cache (one event, nothing downloaded). */
  cached?: boolean | undefined
}

export type DownloadModelBytesParameters = {
  url: string
  /** The bytes must be exactly this long... */
  size: number
  /** ...and hash to this (0x-prefixed lowercase sha256). */
  sha256: Hex
  signal?: AbortSignal | undefined
  onProgress?: ((progress: DownloadProgress) => void) | undefined
}

export type DownloadModelBytesErrorType = ModelError | ModelIntegrityError

/**
 * Fetches bytes whose length and sha256 are known in advance, streaming into one preallocated
 * buffer with progress, and verifies them before returning. A body longer than announced is cut
 * off at once (a hostile or broken server cannot make the tab allocate without bound); a short
 * one, or one with another hash, is a ModelIntegrityError. Nothing here stores anything: bytes that
 * fail are simply dropped. Aborting stops the stream (MODEL_DOWNLOAD_ABORTED).
 */
export async function downloadModelBytes({
  url,
  size,
  sha256,
  signal,
  onProgress,
}: DownloadModelBytesParameters): Promise<Uint8Array<ArrayBuffer>> {
  throwIfAborted(signal, url)
  let response: Response
  try {
    // no-store: the verified copy lives in Cache Storage; a second one in the HTTP cache is waste.
    response = await fetch(url, { signal, cache: 'no-store', credentials: 'same-origin' })
  } catch (error) {
    throwIfAborted(signal, url)
    throw new ModelError(`Downloading ${url} failed: ${messageOf(error)}`, {
      code: 'MODEL_DOWNLOAD_FAILED',
      cause: error,
      details: { url },
    })
  }
  if (response.status !== 200) throw await statusError(response, url)
  const reader = response.body?.getReader()
  if (!reader)
    throw new ModelError(`The response for ${url} has no body.`, {
      code: 'MODEL_DOWNLOAD_FAILED',
      details: { url },
    })

  // Content-Length counts the bytes on the wire, which differ from the body's when it is encoded.
  const declared = response.headers.get('content-encoding')
    ? undefined
    : Number(response.headers.get('content-length') ?? Number.NaN)
  if (declared !== undefined && Number.isFinite(declared) && declared !== size) {
    await reader.cancel().catch(() => undefined)
    throw integrityError(url, `the server announces ${declared} bytes, the manifest ${size}`, {
      expectedSize: size,
      announcedSize: declared,
    })
  }
  const total = declared !== undefined && Number.isFinite(declared) ? declared : size

  const bytes = new Uint8Array(size)
  let loaded = 0
  try {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      if (loaded + value.byteLength > size) {
        await reader.cancel().catch(() => undefined)
        throw integrityError(url, `the body is longer than the manifest's ${size} bytes`, {
          expectedSize: size,
        })
      }
      bytes.set(value, loaded)
      loaded += value.byteLength
      onProgress?.({ loaded, total, loadedBytes: loaded, totalBytes: total })
    }
  } catch (error) {
    await reader.cancel().catch(() => undefined)
    throwIfAborted(signal, url)
    if (error instanceof ModelError) throw error
    throw new ModelError(`The download of ${url} broke off: ${messageOf(error)}`, {
      code: 'MODEL_DOWNLOAD_FAILED',
      cause: error,
      details: { url, loaded, size },
    })
  }
  if (loaded !== size)
    throw integrityError(url, `the body ended after ${loaded} of ${size} bytes`, {
      expectedSize: size,
      actualSize: loaded,
    })
  const actual = await sha256Hex(bytes)
  throwIfAborted(signal, url)
  if (actual !== sha256)
    throw integrityError(url, 'the bytes do not hash to the id', { expected: sha256, actual })
  return bytes
}

function integrityError(
  url: string,
  reason: string,
  details: Record<string, string | number>,
): ModelIntegrityError {
  return new ModelIntegrityError(
    `Refused the model from ${url}: ${reason}. The bytes were discarded.`,
    {
      code: 'MODEL_INTEGRITY',
      details: { url, ...details },
    },
  )
}

/** The gateway answers errors as `{ error: { code, message } }`; keep a 404's meaning. */
async function statusError(response: Response, url: string): Promise<ModelError> {
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { code?: unknown; message?: unknown } }
    | undefined
  const message = typeof body?.error?.message === 'string' ? body.error.message : undefined
  const notFound = response.status === 404
  return new ModelError(
    `Downloading ${url} failed with HTTP ${response.status}${message ? `: ${message}` : '.'}`,
    {
      code: notFound ? 'MODEL_NOT_FOUND' : 'MODEL_DOWNLOAD_FAILED',
      details: { url, status: response.status },
    },
  )
}

function throwIfAborted(signal: AbortSignal | undefined, url: string): void {
  if (!signal?.aborted) return
  throw new ModelError(`The download of ${url} was aborted.`, {
    code: 'MODEL_DOWNLOAD_ABORTED',
    cause: signal.reason,
    details: { url },
  })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
