import { abortedError } from './abortedError.ts'

/**
 * Settles like `promise`, or rejects with ENGINE_ABORTED as soon as `signal` aborts (the work
 * behind `promise` goes on; only this caller stops waiting for it).
 */
export function raceSignal<value>(
  promise: Promise<value>,
  signal: AbortSignal | undefined,
  call: string,
): Promise<value> {
  if (!signal) return promise
  if (signal.aborted) return Promise.reject(abortedError(call))
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(abortedError(call, { running: true }))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort)
        resolve(value)
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort)
        reject(error)
      },
    )
  })
}
