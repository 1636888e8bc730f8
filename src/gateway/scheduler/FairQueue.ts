import type { ModelId } from '../../protocol/messages.ts'

/** A job that needs more leases, as the queue orders it. */
export type QueueEntry = {
  id: string
  /** Submission order (the database rowid): earlier first among equal priorities. */
  seq: number
  requester: string
  modelId: ModelId
  priority: number
}

/** Jobs of one requester for one model, by priority (high first) then submission order. */
class SortedJobs<T extends QueueEntry> {
  private items: (T | undefined)[] = []
  private start = 0

  get size(): number {
    return this.items.length - this.start
  }

  /** The first `count` entries, in order. */
  *head(count: number): Generator<T> {
    const end = Math.min(this.items.length, this.start + count)
    for (let i = this.start; i < end; i++) {
      const item = this.items[i]
      if (item) yield item
    }
  }

  insert(item: T): void {
    const last = this.items.at(-1)
    // Common case: a new submission goes after everything of the same or higher priority.
    if (this.size === 0 || (last && before(last, item))) {
      this.items.push(item)
      return
    }
    this.items.splice(this.search(item), 0, item)
  }

  remove(item: T): boolean {
    const at = this.search(item)
    if (this.items[at]?.id !== item.id) return false
    if (at === this.start) {
      // Popping the head is the hot path: move the start instead of shifting the array.
      this.items[at] = undefined
      this.start++
      if (this.start > 1024 && this.start * 2 > this.items.length) {
        this.items = this.items.slice(this.start)
        this.start = 0
      }
      return true
    }
    this.items.splice(at, 1)
    return true
  }

  /** Index of `item`, or where it would go. */
  private search(item: T): number {
    let lo = this.start
    let hi = this.items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const probe = this.items[mid]
      if (probe && before(probe, item)) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}

function before(a: QueueEntry, b: QueueEntry): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq
}

type Lane<T extends QueueEntry> = {
  requester: string
  /** Served only when no other requester has a job a free worker can take. */
  background: boolean
  /** Virtual time: leases this requester received, started at the queue's floor when it joined. */
  pass: number
  size: number
  byModel: Map<ModelId, SortedJobs<T>>
}

export type PickParameters<T extends QueueEntry, W> = {
  /** Entries examined per (requester, model) list, for jobs the free workers cannot take. */
  lookahead: number
  /** The best free worker for a job, or undefined when none can take it. */
  workerFor: (entry: T) => W | undefined
  /** Skips whole lists of a model no free worker can run. */
  modelRunnable: (modelId: ModelId) => boolean
}

/**
 * The in-memory order of queued jobs: fair between requesters, priority within a requester.
 * Each requester has a virtual time that advances by one per lease it receives; the next lease
 * goes to the requester with the lowest time that has a job some free worker can take. A
 * requester that was idle rejoins at the lowest time of the others, so idling earns no burst.
 * Within a requester, a higher priority runs first, then the earlier submission.
 * Background requesters (the demo requester) use only capacity nobody else can use: their jobs
 * are picked after every other requester's, whatever the virtual times.
 * The durable queue is the database; this mirrors its open jobs and is rebuilt at start.
 */
export class FairQueue<T extends QueueEntry> {
  private readonly lanes = new Map<string, Lane<T>>()
  private readonly entries = new Map<string, T>()
  private readonly background: ReadonlySet<string>

  constructor(options: { backgroundRequesters?: readonly string[] | undefined } = {}) {
    this.background = new Set(options.backgroundRequesters ?? [])
  }

  get size(): number {
    return this.entries.size
  }

  has(id: string): boolean {
    return this.entries.has(id)
  }

  /** Queued jobs of one requester. */
  sizeOf(requester: string): number {
    return this.lanes.get(requester)?.size ?? 0
  }

  add(entry: T): void {
    if (this.entries.has(entry.id)) return
    let lane = this.lanes.get(entry.requester)
    if (!lane) {
      lane = {
        requester: entry.requester,
        background: this.background.has(entry.requester),
        pass: 0,
        size: 0,
        byModel: new Map(),
      }
      this.lanes.set(entry.requester, lane)
    }
    if (lane.size === 0) lane.pass = Math.max(lane.pass, this.floor())
    let jobs = lane.byModel.get(entry.modelId)
    if (!jobs) {
      jobs = new SortedJobs<T>()
      lane.byModel.set(entry.modelId, jobs)
    }
    jobs.insert(entry)
    lane.size++
    this.entries.set(entry.id, entry)
  }

  remove(id: string): T | undefined {
    const entry = this.entries.get(id)
    if (!entry) return undefined
    this.entries.delete(id)
    const lane = this.lanes.get(entry.requester)
    const jobs = lane?.byModel.get(entry.modelId)
    if (lane && jobs?.remove(entry)) {
      lane.size--
      if (jobs.size === 0) lane.byModel.delete(entry.modelId)
    }
    return entry
  }

  /** Advances a requester's virtual time after it received a lease. */
  charge(requester: string): void {
    const lane = this.lanes.get(requester)
    if (lane) lane.pass++
  }

  /**
   * The next job to lease and the worker to lease it to, or undefined when no free worker can
   * take any queued job. Does not remove the job: the caller does, once the lease is made.
   */
  pick<W>(parameters: PickParameters<T, W>): { entry: T; worker: W } | undefined {
    const lanes = [...this.lanes.values()]
      .filter((lane) => lane.size > 0)
      .sort(
        (a, b) =>
          Number(a.background) - Number(b.background) ||
          a.pass - b.pass ||
          (a.requester < b.requester ? -1 : 1),
      )
    for (const lane of lanes) {
      let best: { entry: T; worker: W } | undefined
      for (const [modelId, jobs] of lane.byModel) {
        if (!parameters.modelRunnable(modelId)) continue
        for (const entry of jobs.head(parameters.lookahead)) {
          if (best && !before(entry, best.entry)) break
          const worker = parameters.workerFor(entry)
          if (worker === undefined) continue
          best = { entry, worker }
          break
        }
      }
      if (best) return best
    }
    return undefined
  }

  /** The lowest virtual time among (foreground) requesters with queued jobs. */
  private floor(): number {
    let floor = Number.POSITIVE_INFINITY
    for (const lane of this.lanes.values())
      if (lane.size > 0 && !lane.background) floor = Math.min(floor, lane.pass)
    return Number.isFinite(floor) ? floor : 0
  }
}
