import { ModelDownloadCapError } from '../../protocol/errors/ModelDownloadCapError.ts'
import { ModelError } from '../../protocol/errors/ModelError.ts'
import { sha256Hex } from '../../protocol/hash/sha256Hex.ts'
import type { ModelId } from '../../protocol/messages.ts'
import { isModelId } from '../../protocol/models/isModelId.ts'
import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'
import { type DownloadProgress, downloadModelBytes } from './downloadModelBytes.ts'
import { isQuotaExceededError } from './isQuotaExceededError.ts'

export type { DownloadProgress } from './downloadModelBytes.ts'

export type ModelStoreOptions = {
  /** The gateway's origin, where `GET /models/:id` is; the page's (or worker's) by default. */
  baseUrl?: string | URL | undefined
  /**
   * The contributor's cap, in bytes, on models this store holds (cached) plus what it fetched
   * without caching in this session. A download that would pass it is refused before it starts.
   * Infinity (the default) means no cap. Persisting the setting is the UI's job.
   */
  maxDownloadBytes?: number | undefined
  /** Cache Storage cache that holds the models. */
  cacheName?: string | undefined
  /** Things worth telling the contributor that do not fail a call (evictions, caching failures). */
  onEvent?: ((event: ModelStoreEvent) => void) | undefined
}

export type ModelStoreEvent =
  /** Evicted (least recently used first) to make room for `forModelId`. */
  | { kind: 'evicted'; modelId: ModelId; size: number; forModelId: ModelId }
  /** Verified bytes that could not be cached; `get` returned them anyway. */
  | { kind: 'cache-failed'; modelId: ModelId; error: ModelError }
  /** Cached bytes that no longer hash to their id (disk corruption); deleted and fetched again. */
  | { kind: 'cache-corrupt'; modelId: ModelId }

export type ModelStoreGetOptions = {
  signal?: AbortSignal | undefined
  /** Called per received chunk while downloading, and once with loaded = total from the cache. */
  onProgress?: ((progress: DownloadProgress) => void) | undefined
}

export type ModelStoreCallOptions = { signal?: AbortSignal | undefined }

export type CachedModel = {
  id: ModelId
  name: string
  size: number
  /** Milliseconds since the epoch: last `get`, and when it was cached. */
  lastUsed: number
  cachedAt: number
}

export type ModelStoreUsage = {
  /** navigator.storage.estimate(): the whole origin's usage and quota, in bytes. */
  usage: number
  quota: number
  /** What the cached models take, and how many there are. */
  modelBytes: number
  models: number
  /** The cap (Infinity when none) and what counts against it. */
  maxDownloadBytes: number
  usedAgainstCap: number
}

type IndexEntry = { name: string; size: number; lastUsed: number; cachedAt: number }
type StoreIndex = Record<string, IndexEntry>

const DEFAULT_CACHE_NAME = 'inference-grid-models-v1'
/** Room left for Cache Storage's per-entry overhead when evicting to fit a model. */
const EVICTION_MARGIN = 256 * 1024
/** The cache entry holding the LRU index; no model URL looks like it. */
const INDEX_PATH = '/models/.model-store-index.json'

/**
 * The browser's model store: pure web-platform code (Cache Storage, fetch, WebCrypto,
 * navigator.storage) that runs the same on a page and in a Web Worker.
 *
 * `get` answers from Cache Storage (keyed by the model's URL) after re-hashing the bytes, or
 * downloads them with progress, checks length and sha256 against the manifest BEFORE returning
 * (a mismatch is a ModelIntegrityError and nothing is cached), and caches them. Each call returns
 * fresh bytes the caller may transfer. When caching hits the quota it evicts least recently used
 * models and retries once; if that fails too the bytes are returned uncached and a `cache-failed`
 * event says so. Last use is kept in a small JSON index in the same cache; the cache's keys stay
 * the truth (the index only adds times and names).
 */
export class ModelStore {
  readonly maxDownloadBytes: number
  readonly cacheName: string
  readonly #baseUrl: string
  readonly #onEvent: ((event: ModelStoreEvent) => void) | undefined
  /** Bytes fetched but not cached in this session, which count against the cap. */
  #uncachedBytes = 0
  /** Bytes of downloads in flight (one entry per call), reserved against the cap. */
  #reserved = new Map<symbol, number>()
  /** Index writes run one after another, so concurrent calls do not lose each other's updates. */
  #indexChain: Promise<unknown> = Promise.resolve()

  constructor(options: ModelStoreOptions = {}) {
    const max = options.maxDownloadBytes ?? Number.POSITIVE_INFINITY
    if (!(max >= 0)) throw new RangeError('maxDownloadBytes must be 0 or more (Infinity: no cap).')
    this.maxDownloadBytes = max
    this.cacheName = options.cacheName ?? DEFAULT_CACHE_NAME
    this.#baseUrl = new URL('/', options.baseUrl ?? globalThis.location.origin).href
    this.#onEvent = options.onEvent
  }

  /** The URL the bytes of a model are fetched from, and cached under. */
  modelUrl(id: ModelId): string {
    return new URL(`/models/${id}`, this.#baseUrl).href
  }

  /**
   * The model's verified bytes (fresh memory each call), from the cache or the gateway.
   * Throws ModelIntegrityError, ModelDownloadCapError, or ModelError (MODEL_DOWNLOAD_FAILED,
   * MODEL_NOT_FOUND, MODEL_DOWNLOAD_ABORTED, MODEL_INVALID_ID).
   */
  async get(
    manifest: ModelManifest,
    options: ModelStoreGetOptions = {},
  ): Promise<Uint8Array<ArrayBuffer>> {
    const { signal, onProgress } = options
    const { id, size } = manifest
    if (!isModelId(id))
      throw new ModelError('A model id is 0x and 64 lowercase hex digits.', {
        code: 'MODEL_INVALID_ID',
      })
    aborted(signal)
    const url = this.modelUrl(id)
    const cache = await this.#openCache()

    const hit = await cache.match(url)
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer())
      aborted(signal)
      if (bytes.byteLength === size && (await sha256Hex(bytes)) === id) {
        await this.#updateIndex((index) => {
          const entry = index[id]
          index[id] = entry
            ? { ...entry, lastUsed: Date.now() }
            : { name: manifest.name, size, lastUsed: Date.now(), cachedAt: Date.now() }
        })
        onProgress?.({
          loaded: size,
          total: size,
          loadedBytes: size,
          totalBytes: size,
          cached: true,
        })
        return bytes
      }
      await cache.delete(url)
      await this.#updateIndex((index) => {
        delete index[id]
      })
      this.#onEvent?.({ kind: 'cache-corrupt', modelId: id })
    }

    const used = await this.#usedAgainstCap(id)
    if (used + size > this.maxDownloadBytes)
      throw new ModelDownloadCapError(
        `Downloading ${manifest.name} (${size} bytes) would pass the download cap: ${used} of ${this.maxDownloadBytes} bytes are used. Raise the cap or clear cached models.`,
        {
          code: 'MODEL_DOWNLOAD_CAP_EXCEEDED',
          details: {
            modelId: id,
            size,
            used,
            maxDownloadBytes: this.maxDownloadBytes,
            remaining: Math.max(0, this.maxDownloadBytes - used),
          },
        },
      )
    const reservation = Symbol(id)
    this.#reserved.set(reservation, size)
    try {
      const bytes = await downloadModelBytes({ url, size, sha256: id, signal, onProgress })
      const cached = await this.#put(cache, url, manifest, bytes)
      if (!cached) this.#uncachedBytes += size
      return bytes
    } finally {
      this.#reserved.delete(reservation)
    }
  }

  /**
   * A file the model needs beside its weights (`manifest.assets[name]`, e.g. PP-OCR rec's
   * `dictionary`), verified against its sha256 and cached like the model. Assets do not count
   * against the cap (they are small) and are cleared with their model.
   */
  async getAsset(
    manifest: ModelManifest,
    name: string,
    { signal }: ModelStoreCallOptions = {},
  ): Promise<Uint8Array<ArrayBuffer>> {
    const asset = Object.hasOwn(manifest.assets ?? {}, name) ? manifest.assets?.[name] : undefined
    if (!asset)
      throw new ModelError(`The model ${manifest.name} has no asset named ${name}.`, {
        code: 'MODEL_NOT_FOUND',
        details: { modelId: manifest.id, asset: name },
      })
    aborted(signal)
    const url = `${this.modelUrl(manifest.id)}/${encodeURIComponent(name)}`
    const cache = await this.#openCache()
    const hit = await cache.match(url)
    if (hit) {
      const bytes = new Uint8Array(await hit.arrayBuffer())
      if (bytes.byteLength === asset.size && (await sha256Hex(bytes)) === asset.sha256) return bytes
      await cache.delete(url)
    }
    const bytes = await downloadModelBytes({ url, size: asset.size, sha256: asset.sha256, signal })
    try {
      await cache.put(url, bytesResponse(bytes, asset.mediaType))
    } catch (error) {
      this.#onEvent?.({
        kind: 'cache-failed',
        modelId: manifest.id,
        error: new ModelError(`Could not cache the ${name} of ${manifest.name}.`, {
          code: 'MODEL_STORAGE_QUOTA',
          cause: error,
        }),
      })
    }
    return bytes
  }

  /** The cached models, most recently used first. */
  async list({ signal }: ModelStoreCallOptions = {}): Promise<CachedModel[]> {
    aborted(signal)
    const cache = await this.#openCache()
    const [keys, index] = await Promise.all([cache.keys(), this.#readIndex(cache)])
    const models: CachedModel[] = []
    for (const request of keys) {
      const id = modelIdOf(request.url, this.#baseUrl)
      if (!id) continue
      const entry = index[id]
      if (entry) {
        models.push({ id, ...entry })
        continue
      }
      // Cached by another tab whose index write lost a race: size from the stored response.
      const response = await cache.match(request)
      const size = Number(response?.headers.get('content-length') ?? 0)
      models.push({ id, name: '', size, lastUsed: 0, cachedAt: 0 })
    }
    return models.sort((a, b) => b.lastUsed - a.lastUsed)
  }

  /** Removes one model (and its assets), or every cached model when no id is given. */
  async clear(id?: ModelId, { signal }: ModelStoreCallOptions = {}): Promise<void> {
    aborted(signal)
    if (id === undefined) {
      await globalThis.caches?.delete(this.cacheName).catch(() => false)
      this.#uncachedBytes = 0
      return
    }
    const cache = await this.#openCache()
    await this.#remove(cache, id)
  }

  /** The origin's storage use and quota, and what the models take. */
  async usage({ signal }: ModelStoreCallOptions = {}): Promise<ModelStoreUsage> {
    aborted(signal)
    const [estimate, models] = await Promise.all([
      navigator.storage?.estimate?.() ?? Promise.resolve({} as StorageEstimate),
      this.list({ signal }),
    ])
    const modelBytes = models.reduce((sum, model) => sum + model.size, 0)
    return {
      usage: estimate.usage ?? 0,
      quota: estimate.quota ?? 0,
      modelBytes,
      models: models.length,
      maxDownloadBytes: this.maxDownloadBytes,
      usedAgainstCap: modelBytes + this.#uncachedBytes + sumOf(this.#reserved.values()),
    }
  }

  /**
   * This store's cache, or an always-empty one where the browser denies Cache Storage: a
   * third-party frame (the partner widget's iframe) in a browser that blocks third-party storage
   * instead of partitioning it gets a SecurityError. Models then download at each start, verified
   * as usual, and count against the cap as fetched-but-uncached bytes.
   */
  async #openCache(): Promise<Cache> {
    try {
      return await caches.open(this.cacheName)
    } catch (error) {
      if (error instanceof ReferenceError || (error as { name?: string })?.name === 'SecurityError')
        return unavailableCache
      throw error
    }
  }

  async #usedAgainstCap(exclude: ModelId): Promise<number> {
    const models = await this.list()
    const cached = models.filter((m) => m.id !== exclude).reduce((sum, m) => sum + m.size, 0)
    return cached + this.#uncachedBytes + sumOf(this.#reserved.values())
  }

  /** Caches verified bytes; on a quota error evicts LRU models and retries once. */
  async #put(
    cache: Cache,
    url: string,
    manifest: ModelManifest,
    bytes: Uint8Array<ArrayBuffer>,
  ): Promise<boolean> {
    const record = () =>
      this.#updateIndex((index) => {
        const now = Date.now()
        index[manifest.id] = {
          name: manifest.name,
          size: manifest.size,
          lastUsed: now,
          cachedAt: now,
        }
      })
    try {
      await cache.put(url, bytesResponse(bytes))
      await record()
      return true
    } catch (error) {
      if (!isQuotaExceededError(error)) {
        this.#cacheFailed(manifest, error)
        return false
      }
    }
    await this.#evictFor(cache, manifest)
    try {
      await cache.put(url, bytesResponse(bytes))
      await record()
      return true
    } catch (error) {
      this.#cacheFailed(manifest, error)
      return false
    }
  }

  /**
   * Evicts least recently used models until what they free covers the shortfall: the incoming
   * model's size minus the free quota navigator.storage.estimate() reports (the whole size when it
   * reports nothing), plus a margin for the cache's own bookkeeping.
   */
  async #evictFor(cache: Cache, manifest: ModelManifest): Promise<void> {
    const estimate = await navigator.storage?.estimate?.().catch(() => undefined)
    const free =
      estimate?.quota !== undefined && estimate.usage !== undefined
        ? Math.max(0, estimate.quota - estimate.usage)
        : 0
    const needed = Math.min(manifest.size, Math.max(0, manifest.size - free) + EVICTION_MARGIN)
    const candidates = (await this.list()).filter((m) => m.id !== manifest.id).reverse()
    let freed = 0
    for (const model of candidates) {
      if (freed >= needed) break
      await this.#remove(cache, model.id)
      freed += model.size
      this.#onEvent?.({
        kind: 'evicted',
        modelId: model.id,
        size: model.size,
        forModelId: manifest.id,
      })
    }
  }

  #cacheFailed(manifest: ModelManifest, cause: unknown): void {
    this.#onEvent?.({
      kind: 'cache-failed',
      modelId: manifest.id,
      error: new ModelError(
        `${manifest.name} could not be cached (storage is full even after evicting older models); it was used without caching.`,
        {
          code: 'MODEL_STORAGE_QUOTA',
          cause,
          details: { modelId: manifest.id, size: manifest.size },
        },
      ),
    })
  }

  async #remove(cache: Cache, id: ModelId): Promise<void> {
    const prefix = `${this.modelUrl(id)}/`
    for (const request of await cache.keys())
      if (request.url === this.modelUrl(id) || request.url.startsWith(prefix))
        await cache.delete(request)
    await this.#updateIndex((index) => {
      delete index[id]
    })
  }

  async #readIndex(cache: Cache): Promise<StoreIndex> {
    const response = await cache.match(new URL(INDEX_PATH, this.#baseUrl).href)
    const json: unknown = await response?.json().catch(() => undefined)
    if (typeof json !== 'object' || json === null) return {}
    const index: StoreIndex = {}
    for (const [id, entry] of Object.entries(json)) {
      if (!isModelId(id) || typeof entry !== 'object' || entry === null) continue
      const { name, size, lastUsed, cachedAt } = entry as Record<string, unknown>
      if (typeof size !== 'number' || typeof lastUsed !== 'number') continue
      index[id] = {
        name: typeof name === 'string' ? name : '',
        size,
        lastUsed,
        cachedAt: typeof cachedAt === 'number' ? cachedAt : lastUsed,
      }
    }
    return index
  }

  #updateIndex(change: (index: StoreIndex) => void): Promise<void> {
    const run = this.#indexChain.then(async () => {
      const cache = await this.#openCache()
      const index = await this.#readIndex(cache)
      change(index)
      const body = JSON.stringify(index)
      try {
        await cache.put(
          new URL(INDEX_PATH, this.#baseUrl).href,
          new Response(body, { headers: { 'content-type': 'application/json' } }),
        )
      } catch {
        // The index only orders evictions; losing an update (quota) must not fail a call.
      }
    })
    this.#indexChain = run.catch(() => undefined)
    return run
  }
}

/** Stands in for Cache Storage where it is denied: holds nothing, refuses every put. */
const unavailableCache: Cache = {
  match: async () => undefined,
  matchAll: async () => [],
  keys: async () => [],
  delete: async () => false,
  put: async () => {
    throw new DOMException('Cache Storage is not available to this frame.', 'SecurityError')
  },
  add: async () => {
    throw new DOMException('Cache Storage is not available to this frame.', 'SecurityError')
  },
  addAll: async () => {
    throw new DOMException('Cache Storage is not available to this frame.', 'SecurityError')
  },
}

function bytesResponse(
  bytes: Uint8Array<ArrayBuffer>,
  type = 'application/octet-stream',
): Response {
  return new Response(bytes, {
    headers: { 'content-type': type, 'content-length': String(bytes.byteLength) },
  })
}

function modelIdOf(url: string, baseUrl: string): ModelId | undefined {
  const prefix = new URL('/models/', baseUrl).href
  if (!url.startsWith(prefix)) return undefined
  const rest = url.slice(prefix.length)
  return isModelId(rest) ? rest : undefined
}

function sumOf(values: Iterable<number>): number {
  let sum = 0
  for (const value of values) sum += value
  return sum
}

function aborted(signal: AbortSignal | undefined): void {
  if (!signal?.aborted) return
  throw new ModelError('The model store call was aborted.', {
    code: 'MODEL_DOWNLOAD_ABORTED',
    cause: signal.reason,
  })
}
