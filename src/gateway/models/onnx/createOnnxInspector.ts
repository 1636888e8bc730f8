import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { deserializeError } from '../../../protocol/errors/deserializeError.ts'
import { ModelError } from '../../../protocol/errors/ModelError.ts'
import { type Logger, namespacedLogger } from '../../logging/createLogger.ts'
import type { InspectModelParameters, InspectModelReturnType } from './inspectModel.ts'
import type { OnnxWorkerRequest, OnnxWorkerResponse } from './OnnxWorkerMessage.ts'
import { onnxRuntimeVersion } from './onnxRuntimeVersion.ts'
import type { RunModelParameters, RunModelReturnType } from './runModel.ts'

export type OnnxInspector = {
  /** The onnxruntime-node version that computes the known answers. */
  readonly runtimeVersion: string
  /**
   * Loads and runs a model in the worker thread (see inspectModel). Aborting, or taking longer
   * than the timeout, ends the worker thread (onnxruntime cannot be interrupted mid-run); the
   * next call starts a fresh one.
   */
  inspect(
    parameters: InspectModelParameters,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<InspectModelReturnType>
  /**
   * Runs a job's inputs through a model in the same worker thread (the verifier's spot-check
   * re-runs), with the same timeout and abort rules; sessions stay cached until the thread idles.
   */
  run(
    parameters: RunModelParameters,
    options?: { signal?: AbortSignal | undefined },
  ): Promise<RunModelReturnType>
  /** Ends the worker thread, failing calls still pending. */
  close(): Promise<void>
}

export type CreateOnnxInspectorParameters = {
  logger: Logger
  /** Longest one inspection may take (load and run); default 120 s. */
  timeoutMs?: number | undefined
  /** The worker thread ends after this long without work, freeing onnxruntime's memory; 10 s. */
  idleMs?: number | undefined
}

export type CreateOnnxInspectorReturnType = OnnxInspector

type Pending = {
  resolve: (result: never) => void
  reject: (error: unknown) => void
}

/**
 * Runs onnxruntime-node in one worker thread, started on first use. Requests may overlap there
 * (onnxruntime creates sessions and runs them off the thread's JS loop); each session uses one
 * compute thread, which keeps results reproducible to the bit.
 */
export function createOnnxInspector({
  logger: rootLogger,
  timeoutMs = 120_000,
  idleMs = 10_000,
}: CreateOnnxInspectorParameters): CreateOnnxInspectorReturnType {
  const logger = namespacedLogger(rootLogger, 'gateway:models:onnx')
  const pending = new Map<number, Pending>()
  let worker: Worker | undefined
  let nextId = 1
  let idleTimer: NodeJS.Timeout | undefined

  const failAll = (error: unknown) => {
    for (const { reject } of pending.values()) reject(error)
    pending.clear()
  }

  const stopWorker = async (reason: string) => {
    const current = worker
    worker = undefined
    clearTimeout(idleTimer)
    if (!current) return
    logger.debug({ reason }, 'onnx worker thread stopping')
    await current.terminate()
  }

  const startWorker = (): Worker => {
    const started = performance.now()
    const thread = new Worker(bootstrapSource(), { eval: true })
    thread.unref()
    thread.on('message', (response: OnnxWorkerResponse) => {
      const entry = pending.get(response.id)
      if (!entry) return
      pending.delete(response.id)
      if (response.kind === 'result') entry.resolve(response.result as never)
      else entry.reject(deserializeError(response.error))
      if (pending.size === 0) scheduleIdleStop()
    })
    thread.on('error', (error) => {
      logger.error({ err: error }, 'onnx worker thread failed')
      if (worker === thread) worker = undefined
      failAll(
        new ModelError('The ONNX worker thread failed.', {
          code: 'MODEL_UNSUPPORTED',
          cause: error,
        }),
      )
    })
    thread.on('exit', (code) => {
      if (worker === thread) worker = undefined
      if (pending.size > 0)
        failAll(
          new ModelError(`The ONNX worker thread exited (code ${code}) before answering.`, {
            code: 'MODEL_UNSUPPORTED',
          }),
        )
    })
    thread.once('online', () =>
      logger.debug({ durationMs: Math.round(performance.now() - started) }, 'onnx worker online'),
    )
    return thread
  }

  const scheduleIdleStop = () => {
    clearTimeout(idleTimer)
    idleTimer = setTimeout(() => void stopWorker('idle'), idleMs)
    idleTimer.unref()
  }

  return {
    runtimeVersion: onnxRuntimeVersion(),

    inspect(parameters, options = {}) {
      return request<InspectModelReturnType>({ kind: 'inspect', parameters }, options)
    },

    run(parameters, options = {}) {
      return request<RunModelReturnType>({ kind: 'run', parameters }, options)
    },

    async close() {
      await stopWorker('closed')
      failAll(new ModelError('The ONNX inspector was closed.', { code: 'MODEL_UNSUPPORTED' }))
    },
  }

  function request<R>(
    body: OnnxWorkerRequestBody,
    { signal }: { signal?: AbortSignal | undefined },
  ): Promise<R> {
    {
      signal?.throwIfAborted()
      clearTimeout(idleTimer)
      worker ??= startWorker()
      const thread = worker
      const id = nextId++
      return new Promise<R>((resolve, reject) => {
        const timer = setTimeout(() => {
          settle()
          reject(
            new ModelError(`Loading and running the model took longer than ${timeoutMs} ms.`, {
              code: 'MODEL_UNSUPPORTED',
              details: { timeoutMs },
            }),
          )
          // Other requests queued behind it fail too: they shared the thread being ended.
          void stopWorker('timeout').then(() =>
            failAll(
              new ModelError('The ONNX worker thread was restarted.', {
                code: 'MODEL_UNSUPPORTED',
              }),
            ),
          )
        }, timeoutMs)
        const onAbort = () => {
          settle()
          reject(signal?.reason)
          void stopWorker('aborted').then(() =>
            failAll(
              new ModelError('The ONNX worker thread was restarted.', {
                code: 'MODEL_UNSUPPORTED',
              }),
            ),
          )
        }
        const settle = () => {
          clearTimeout(timer)
          signal?.removeEventListener('abort', onAbort)
          pending.delete(id)
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        pending.set(id, {
          resolve: (result: R) => {
            settle()
            resolve(result)
          },
          reject: (error) => {
            settle()
            reject(error)
          },
        })
        const message = { ...body, id } as OnnxWorkerRequest
        thread.postMessage(message)
      })
    }
  }
}

type OnnxWorkerRequestBody = OnnxWorkerRequest extends infer T
  ? T extends { id: number }
    ? Omit<T, 'id'>
    : never
  : never

/**
 * The worker's entry is TypeScript, run without a build step like the rest of the gateway: the
 * thread loads tsx's ESM API and imports the entry through it (on Node 20 a worker does not pick
 * up the parent's --import hooks, and vitest's transform does not reach worker threads either).
 */
function bootstrapSource(): string {
  const entry = new URL('./onnxWorker.ts', import.meta.url).href
  const api = tsxEsmApiUrl()
  return `import(${JSON.stringify(api)}).then((api) => api.tsImport(${JSON.stringify(entry)}, ${JSON.stringify(entry)})).catch((error) => { process.nextTick(() => { throw error }) })`
}

function tsxEsmApiUrl(): string {
  const require = createRequire(import.meta.url)
  const manifestPath = require.resolve('tsx/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports?: Record<string, { import?: { default?: string } }>
  }
  const target = manifest.exports?.['./esm/api']?.import?.default
  if (!target) throw new Error('tsx/package.json does not export ./esm/api for import.')
  return pathToFileURL(path.join(path.dirname(manifestPath), target)).href
}
