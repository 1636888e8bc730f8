import { EngineError } from '../../protocol/errors/EngineError.ts'

export type TaskQueueClock = {
  now(): number
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
  /** Runs `callback` soon, after events already waiting (messages) are handled. */
  defer(callback: () => void): void
}

export type CreateTaskQueueParameters = {
  /** Fraction of wall time spent computing, 0 < d <= 1; default 1 (no throttling). */
  dutyCycle?: number
  /** Injected for tests; default performance.now and the global timers. */
  clock?: TaskQueueClock
  /** Called whenever the queue's status may have changed. */
  onChange?: () => void
}

export type EnqueueOptions = {
  signal?: AbortSignal | undefined
  /** Named in the ENGINE_ABORTED error's details. */
  label?: string
}

export type TaskResult<value> = {
  value: value
  /** From enqueue to start, ms. */
  queueMs: number
}

export type TaskQueueStatus = {
  paused: boolean
  dutyCycle: number
  queued: number
  running: boolean
  /** Work is queued, nothing runs, and the duty cycle holds it back. */
  throttled: boolean
  /** Sum of task durations since the queue was created, ms. */
  computeMs: number
}

export type TaskQueue = {
  /**
   * Runs `task` after every task enqueued before it, when not paused and the duty cycle allows.
   * An aborted signal removes a queued task, or rejects a running one's promise at once (its
   * work cannot be interrupted: the queue waits for it before starting the next task).
   */
  enqueue<value>(task: () => Promise<value>, options?: EnqueueOptions): Promise<TaskResult<value>>
  setDutyCycle(fraction: number): void
  pause(): void
  resume(): void
  status(): TaskQueueStatus
  /** Resolves when no task is running (queued ones may remain, e.g. while paused). */
  idle(): Promise<void>
  /** Rejects every queued task with `error` (a running one finishes; its caller gets `error`). */
  clear(error: Error): void
}

type Entry = {
  task: () => Promise<unknown>
  resolve: (result: TaskResult<unknown>) => void
  reject: (error: unknown) => void
  enqueuedAt: number
  settled: boolean
  detach: () => void
}

const defaultClock: TaskQueueClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  defer: createDefer(),
}

/**
 * A macrotask hop through a MessageChannel: unlike setTimeout(0), it is never clamped to 4 ms
 * when tasks follow each other, and it lets messages that arrived meanwhile (an abort, a pause)
 * be handled before the next task starts.
 */
function createDefer(): (callback: () => void) => void {
  if (typeof MessageChannel === 'undefined') return (callback) => setTimeout(callback, 0)
  const callbacks: (() => void)[] = []
  const channel = new MessageChannel()
  channel.port1.onmessage = () => callbacks.shift()?.()
  // Node: an open port must not keep the process alive.
  ;(channel.port1 as { unref?: () => void }).unref?.()
  return (callback) => {
    callbacks.push(callback)
    channel.port2.postMessage(null)
  }
}

/**
 * The engine's single lane of compute: one task at a time (onnxruntime-web sessions share one
 * WebAssembly instance and one GPU device), in order, with the contributor's controls applied
 * between tasks: pause/resume, and a duty cycle. With duty cycle d, a task that took t ms is
 * followed by t * (1 - d) / d ms of idle, so over time computing takes at most d of wall time.
 */
export function createTaskQueue(parameters: CreateTaskQueueParameters = {}): TaskQueue {
  const clock = parameters.clock ?? defaultClock
  const onChange = parameters.onChange ?? (() => {})
  let dutyCycle = checkedDutyCycle(parameters.dutyCycle ?? 1)
  let paused = false
  let running: Entry | undefined
  let runningDone: Promise<void> = Promise.resolve()
  let timer: unknown
  let startScheduled = false
  let lastEnd = Number.NEGATIVE_INFINITY
  let lastDuration = 0
  let computeMs = 0
  const queue: Entry[] = []

  const nextStartAt = () => lastEnd + (lastDuration * (1 - dutyCycle)) / dutyCycle

  function settle(entry: Entry, outcome: () => void): void {
    if (entry.settled) return
    entry.settled = true
    entry.detach()
    outcome()
  }

  function pump(): void {
    if (timer !== undefined) {
      clock.clearTimeout(timer)
      timer = undefined
    }
    if (running || paused || queue.length === 0) {
      onChange()
      return
    }
    const wait = nextStartAt() - clock.now()
    if (wait > 0) {
      timer = clock.setTimeout(() => {
        timer = undefined
        pump()
      }, wait)
      onChange()
      return
    }
    // Start on a fresh macrotask, even on an idle queue: onnxruntime's WASM runs block the
    // worker's thread, so messages pile up meanwhile (a run, then its abort); yielding lets the
    // abort (or a pause) be handled before the run starts instead of after it has computed.
    if (startScheduled) return
    startScheduled = true
    clock.defer(() => {
      startScheduled = false
      start()
    })
  }

  function start(): void {
    if (running || paused || queue.length === 0 || nextStartAt() > clock.now()) {
      pump()
      return
    }
    const entry = queue.shift() as Entry
    running = entry
    const startedAt = clock.now()
    const queueMs = startedAt - entry.enqueuedAt
    onChange()
    runningDone = (async () => {
      let outcome: () => void
      try {
        const value = await entry.task()
        outcome = () => entry.resolve({ value, queueMs })
      } catch (error) {
        outcome = () => entry.reject(error)
      }
      const end = clock.now()
      lastDuration = end - startedAt
      lastEnd = end
      computeMs += lastDuration
      running = undefined
      settle(entry, outcome)
      pump()
    })()
  }

  return {
    enqueue(task, options = {}) {
      const { signal, label } = options
      return new Promise((resolve, reject) => {
        const aborted = (wasRunning: boolean) =>
          new EngineError(
            wasRunning
              ? 'The call was aborted; the running task finishes in the background and its result is dropped.'
              : 'The call was aborted before it started.',
            { code: 'ENGINE_ABORTED', details: { call: label ?? 'task', running: wasRunning } },
          )
        if (signal?.aborted) return reject(aborted(false))
        const onAbort = () => {
          const index = queue.indexOf(entry)
          if (index >= 0) queue.splice(index, 1)
          settle(entry, () => reject(aborted(index < 0)))
          if (index >= 0) pump()
        }
        const entry: Entry = {
          task,
          resolve: resolve as Entry['resolve'],
          reject,
          enqueuedAt: clock.now(),
          settled: false,
          detach: () => signal?.removeEventListener('abort', onAbort),
        }
        signal?.addEventListener('abort', onAbort, { once: true })
        queue.push(entry)
        pump()
      })
    },
    setDutyCycle(fraction) {
      dutyCycle = checkedDutyCycle(fraction)
      pump()
    },
    pause() {
      paused = true
      pump()
    },
    resume() {
      paused = false
      pump()
    },
    status() {
      return {
        paused,
        dutyCycle,
        queued: queue.length,
        running: running !== undefined,
        throttled: timer !== undefined,
        computeMs,
      }
    },
    idle: () => runningDone,
    clear(error) {
      for (const entry of queue.splice(0)) settle(entry, () => entry.reject(error))
      const current = running
      if (current) settle(current, () => current.reject(error))
      pump()
    },
  }
}

function checkedDutyCycle(fraction: number): number {
  if (Number.isFinite(fraction) && fraction > 0 && fraction <= 1) return fraction
  throw new EngineError('The duty cycle must be a fraction in (0, 1].', {
    code: 'ENGINE_INVALID_ARGUMENT',
    details: { dutyCycle: Number.isFinite(fraction) ? fraction : String(fraction) },
  })
}
