import { describe, expect, test } from 'vitest'
import { EngineError } from '../../src/protocol/errors/EngineError.ts'
import { createTaskQueue, type TaskQueueClock } from '../../src/worker/engine/createTaskQueue.ts'

/** A clock whose time only moves when a task "computes" or the test advances it. */
function manualClock() {
  let now = 0
  let timers: { at: number; callback: () => void }[] = []
  const clock: TaskQueueClock = {
    now: () => now,
    setTimeout(callback, ms) {
      const timer = { at: now + ms, callback }
      timers.push(timer)
      return timer
    },
    clearTimeout(handle) {
      timers = timers.filter((t) => t !== handle)
    },
    defer: (callback) => queueMicrotask(callback),
  }
  const flush = async () => {
    for (let i = 0; i < 20; i++) await Promise.resolve()
  }
  return {
    clock,
    /** A task that computes for `ms` of clock time. */
    work: (ms: number, log: string[], name: string) => async () => {
      log.push(`${name}@${now}`)
      now += ms
      return name
    },
    /** Runs timers due within `ms`, in order, letting promises settle in between. */
    async advance(ms: number) {
      const end = now + ms
      await flush()
      for (;;) {
        const next = timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0]
        if (!next) break
        timers = timers.filter((t) => t !== next)
        now = Math.max(now, next.at)
        next.callback()
        await flush()
      }
      now = Math.max(now, end)
      await flush()
    },
    flush,
  }
}

describe('createTaskQueue', () => {
  test('default: tasks run one at a time, in order, back to back', async () => {
    const { clock, work, advance } = manualClock()
    const queue = createTaskQueue({ clock })
    const log: string[] = []
    queue.pause() // enqueue all three at time 0
    const results = Promise.all([
      queue.enqueue(work(10, log, 'a')),
      queue.enqueue(work(10, log, 'b')),
      queue.enqueue(work(10, log, 'c')),
    ])
    queue.resume()
    await advance(0)
    expect(log).toEqual(['a@0', 'b@10', 'c@20'])
    expect((await results).map((r) => [r.value, r.queueMs])).toEqual([
      ['a', 0],
      ['b', 10],
      ['c', 20],
    ])
    expect(queue.status()).toMatchObject({ computeMs: 30, queued: 0, running: false })
  })

  test('behavior: duty cycle d idles t * (1 - d) / d after a task of t ms', async () => {
    const { clock, work, advance } = manualClock()
    const queue = createTaskQueue({ clock, dutyCycle: 0.25 })
    const log: string[] = []
    const done = Promise.all([0, 1, 2].map((i) => queue.enqueue(work(10, log, `t${i}`))))
    await advance(0)
    expect(log).toEqual(['t0@0'])
    expect(queue.status()).toMatchObject({ throttled: true, queued: 2 })
    await advance(100)
    await done
    // 10 ms of work, then 30 ms idle: each task starts 40 ms after the previous one.
    expect(log).toEqual(['t0@0', 't1@40', 't2@80'])
    expect(queue.status().computeMs).toBe(30)
  })

  test('behavior: changing the duty cycle while throttled takes effect at once', async () => {
    const { clock, work, advance } = manualClock()
    const queue = createTaskQueue({ clock, dutyCycle: 0.1 })
    const log: string[] = []
    const first = queue.enqueue(work(10, log, 'a'))
    const second = queue.enqueue(work(10, log, 'b'))
    await advance(5) // a runs 0..10; at 10% b would then wait 90 ms, until 100
    expect(log).toEqual(['a@0'])
    queue.setDutyCycle(1)
    await advance(0)
    await Promise.all([first, second])
    expect(log[0]).toBe('a@0')
    // At 10% b would have started at 100; after the change it starts as soon as time allows.
    expect(Number(log[1]?.replace('b@', ''))).toBeLessThanOrEqual(15)
  })

  test('behavior: pause holds queued tasks; the running one finishes; resume releases them', async () => {
    const { clock, work, advance } = manualClock()
    const queue = createTaskQueue({ clock })
    const log: string[] = []
    let release: () => void = () => {}
    const running = queue.enqueue(
      () =>
        new Promise<string>((resolve) => {
          log.push('long started')
          release = () => resolve('long')
        }),
    )
    const held = queue.enqueue(work(1, log, 'held'))
    await advance(0)
    queue.pause()
    release()
    expect((await running).value).toBe('long')
    await advance(1000)
    expect(log).toEqual(['long started'])
    expect(queue.status()).toMatchObject({ paused: true, queued: 1, running: false })
    queue.resume()
    expect((await held).value).toBe('held')
    expect(log).toEqual(['long started', 'held@1000'])
  })

  test('behavior: aborting a queued task removes it; it never runs', async () => {
    const { clock, work, advance } = manualClock()
    const queue = createTaskQueue({ clock })
    const log: string[] = []
    const controller = new AbortController()
    const a = queue.enqueue(work(10, log, 'a'))
    const b = queue.enqueue(work(10, log, 'b'), { signal: controller.signal, label: 'run' })
    const c = queue.enqueue(work(10, log, 'c'))
    controller.abort()
    await expect(b).rejects.toMatchObject({
      name: 'EngineError',
      code: 'ENGINE_ABORTED',
      details: { call: 'run', running: false },
    })
    await advance(0)
    await Promise.all([a, c])
    expect(log).toEqual(['a@0', 'c@10'])
  })

  test('behavior: aborting a running task rejects at once; the next waits for it to end', async () => {
    const { clock, advance } = manualClock()
    const queue = createTaskQueue({ clock })
    const log: string[] = []
    let finish: () => void = () => {}
    const controller = new AbortController()
    const running = queue.enqueue(
      () =>
        new Promise<void>((resolve) => {
          finish = () => {
            log.push('long finished')
            resolve()
          }
        }),
      { signal: controller.signal },
    )
    const next = queue.enqueue(async () => log.push('next'))
    await advance(0)
    controller.abort()
    await expect(running).rejects.toMatchObject({
      code: 'ENGINE_ABORTED',
      details: { running: true },
    })
    await advance(0)
    expect(log).toEqual([])
    finish()
    await next
    expect(log).toEqual(['long finished', 'next'])
  })

  test('behavior: an already aborted signal rejects without queueing', async () => {
    const queue = createTaskQueue()
    let ran = false
    await expect(
      queue.enqueue(
        async () => {
          ran = true
        },
        { signal: AbortSignal.abort() },
      ),
    ).rejects.toBeInstanceOf(EngineError)
    expect(ran).toBe(false)
    expect(queue.status().queued).toBe(0)
  })

  test('behavior: a failing task rejects its caller and the queue goes on', async () => {
    const queue = createTaskQueue()
    const failing = queue.enqueue(async () => {
      throw new Error('boom')
    })
    const after = queue.enqueue(async () => 'after')
    await expect(failing).rejects.toThrow('boom')
    expect((await after).value).toBe('after')
  })

  test('behavior: clear rejects everything waiting', async () => {
    const { clock, work, advance } = manualClock()
    const queue = createTaskQueue({ clock })
    const log: string[] = []
    queue.pause()
    const waiting = [queue.enqueue(work(1, log, 'a')), queue.enqueue(work(1, log, 'b'))]
    queue.clear(new Error('disposed'))
    for (const promise of waiting) await expect(promise).rejects.toThrow('disposed')
    queue.resume()
    await advance(10)
    expect(log).toEqual([])
  })

  test('error: duty cycle outside (0, 1]', () => {
    const queue = createTaskQueue()
    for (const bad of [0, -0.5, 1.01, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => queue.setDutyCycle(bad)).toThrow(EngineError)
    }
    expect(() => createTaskQueue({ dutyCycle: 0 })).toThrowErrorMatchingInlineSnapshot(`
      [EngineError: The duty cycle must be a fraction in (0, 1].

      Code: ENGINE_INVALID_ARGUMENT]
    `)
    queue.setDutyCycle(0.01)
    expect(queue.status().dutyCycle).toBe(0.01)
  })
})
