import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Address } from 'viem'
import type { SignedDelegation } from '../protocol/eip712/delegationTypes.ts'
import type { BackendReport, CreditMessage, ModelId } from '../protocol/messages.ts'
import { backoffDelay } from './backoffDelay.ts'
import { type ConnectionTransport, connectionTransportOf } from './connectionTransportOf.ts'
import { type BrowserNode, createBrowserNode, type IceServer } from './createBrowserNode.ts'
import { fetchNetworkInfo, type GridNetworkInfo } from './fetchNetworkInfo.ts'
import { NetworkError } from './NetworkError.ts'
import { orderGatewayAddresses } from './orderGatewayAddresses.ts'
import { THROUGHPUT_WINDOW_MS } from './throughputWindowMs.ts'
import {
  createWorkClient,
  type RunJob,
  type SessionSigningKey,
  type WorkClient,
  type WorkClientBatching,
  type WorkClientEvent,
  type WorkClientInit,
} from './workClient.ts'

export type GridWorkerState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'stopped'

export type GridWorkerStatus = {
  state: GridWorkerState
  /** This tab's peer id (once the node started). */
  peerId: string | undefined
  /** How the gateway connection runs, read from its remote multiaddr. */
  transport: ConnectionTransport | undefined
  remoteAddr: string | undefined
  /** Results the gateway accepted, and ones it refused. */
  jobsDone: number
  jobsRejected: number
  /** Jobs this worker could not run (reported to the gateway as typed errors). */
  jobsFailed: number
  /** Jobs held now (running or waiting), by id. */
  currentJobs: string[]
  /** Models of the jobs computing now (one entry per runner call: a batch counts once). */
  runningModels: ModelId[]
  /**
   * When each of the last minute's accepted results was acknowledged (ms since the epoch, oldest
   * first): throughput is how many are younger than 60 s at the time one looks.
   */
  recentDoneAt: number[]
  /** What the gateway's `credit` messages said this tab earned in this run (see GridWorkerCredits). */
  credits: GridWorkerCredits
  /** Jobs this worker holds at most now (0 while paused: the gateway assigns nothing). */
  slots: number
  /** Engine calls that ran several jobs at once (batches of tiny jobs), and the jobs in them. */
  batches: number
  batchedJobs: number
  /** Sessions opened so far (1 + reconnects). */
  sessions: number
  /** When reconnecting: how long until the next try, ms. */
  retryInMs: number | undefined
  /** The last thing that went wrong, in words (connection lost, dial failed, a job failed). */
  lastError: string | undefined
}

/**
 * Sums of the gateway's `credit` messages (docs/PROTOCOL.md), the latest per job: integer
 * micro-credits of the worker's share. Sent only while the session that delivered the result is
 * connected, so this is what the tab heard, not the ledger (the dashboard reads the ledger).
 */
export type GridWorkerCredits = {
  /** Accepted unchecked: held back until the holdback ends. */
  pending: bigint
  verified: bigint
  pendingResults: number
  verifiedResults: number
  /** Results the verifier found invalid (earned nothing). */
  rejectedResults: number
}

export type GridWorkerInit = {
  /** The gateway's origin, where GET /v1/network is (the page's in the app). */
  baseUrl: string
  /** See CreateBrowserNodeParameters.allowInsecureLocal. */
  allowInsecureLocal?: boolean | undefined
  iceServers?: readonly IceServer[] | undefined
  clientVersion: string
  /** Jobs held at once; default 4. */
  slots?: number | undefined
  /** Jobs handed to `runJob` at once; default 2 (one runs, one waits in the engine's queue). */
  maxConcurrentRuns?: number | undefined
  sessionKey: SessionSigningKey
  delegation?: SignedDelegation | undefined
  /** The partner whose widget brought this tab (sent in hello; the gateway stores it per result). */
  partner?: Address | undefined
  /** What the hello says, asked at each (re)connection: backends with self-tests, cached models. */
  hello(): { backends: BackendReport[]; cachedModels: ModelId[] }
  runJob: RunJob
  /** Batches of tiny jobs (see WorkClientInit.batching); default none. */
  batching?: WorkClientBatching | undefined
  /** Per-address dial timeout; default 5000 ms. */
  dialTimeoutMs?: number | undefined
  /** Reconnect backoff; defaults of backoffDelay (500 ms doubling to 30 s). */
  backoff?: { initialMs?: number | undefined; maxMs?: number | undefined } | undefined
  heartbeatIntervalMs?: number | undefined
  peerTimeoutMs?: number | undefined
  onStatus?: ((status: GridWorkerStatus) => void) | undefined
  onEvent?: ((event: WorkClientEvent) => void) | undefined
  /** See WorkClientInit.hashTensorMap. */
  hashTensorMap?: WorkClientInit['hashTensorMap']
}

export type GridWorker = {
  /** Starts the node and the connect/work/reconnect loop; resolves once the node runs. */
  start(): Promise<void>
  /**
   * Jobs to hold at most from now on, this session and the next ones; 0 pauses (the gateway
   * assigns nothing more; held jobs finish and send their results, so nothing is lost).
   */
  setSlots(slots: number): void
  /** Drops held jobs (the gateway requeues them), closes the session, stops the node. */
  stop(): Promise<void>
  status(): GridWorkerStatus
  /** The libp2p node, once started (for the UI's peer list and for tests). */
  node(): BrowserNode | undefined
}

export type CreateGridWorkerReturnType = GridWorker

/**
 * A browser tab's presence on the grid: bootstraps from GET /v1/network, dials the gateway over
 * WebRTC-Direct first and WebSocket second, runs one work session (src/p2p/workClient.ts) on that
 * connection, and when the session or the connection ends for any reason other than stop(),
 * reconnects with exponential backoff (reset after each session that got its hello through).
 */
export function createGridWorker(init: GridWorkerInit): CreateGridWorkerReturnType {
  const controller = new AbortController()
  const { signal } = controller
  let libp2p: BrowserNode | undefined
  let client: WorkClient | undefined
  let loop: Promise<void> | undefined
  let slots = init.slots ?? 4
  /** Held jobs and their model. */
  const held = new Map<string, ModelId>()
  /** Runner calls in flight: their jobs' ids, by the first job's id. */
  const running = new Map<string, { modelId: ModelId; jobIds: string[] }>()
  const credited = new Map<string, { amount: bigint; status: CreditMessage['status'] }>()
  const status: GridWorkerStatus = {
    state: 'idle',
    peerId: undefined,
    transport: undefined,
    remoteAddr: undefined,
    jobsDone: 0,
    jobsRejected: 0,
    jobsFailed: 0,
    currentJobs: [],
    runningModels: [],
    recentDoneAt: [],
    credits: {
      pending: 0n,
      verified: 0n,
      pendingResults: 0,
      verifiedResults: 0,
      rejectedResults: 0,
    },
    slots,
    batches: 0,
    batchedJobs: 0,
    sessions: 0,
    retryInMs: undefined,
    lastError: undefined,
  }
  const snapshot = () => ({
    currentJobs: [...held.keys()],
    runningModels: [...running.values()].map((r) => r.modelId),
    recentDoneAt: status.recentDoneAt.filter((t) => t > Date.now() - THROUGHPUT_WINDOW_MS),
    slots,
  })
  const publish = (patch: Partial<GridWorkerStatus> = {}) => {
    Object.assign(status, patch, snapshot())
    try {
      init.onStatus?.({ ...status })
    } catch {
      // A listener's bug must not stop the worker.
    }
  }

  const onEvent = (event: WorkClientEvent) => {
    switch (event.type) {
      case 'assigned':
        held.set(event.job.jobId, event.job.modelId)
        break
      case 'result-sent':
        release(event.jobId)
        break
      case 'running': {
        const [first] = event.jobIds
        const modelId = first === undefined ? undefined : held.get(first)
        if (first !== undefined && modelId) running.set(first, { modelId, jobIds: event.jobIds })
        if (event.jobIds.length > 1) {
          status.batches++
          status.batchedJobs += event.jobIds.length
        }
        break
      }
      case 'job-failed':
        release(event.jobId)
        status.jobsFailed++
        status.lastError = event.error.shortMessage
        break
      case 'job-dropped':
        release(event.jobId)
        break
      case 'ack':
        if (event.ack.accepted) {
          status.jobsDone++
          status.recentDoneAt = [...status.recentDoneAt, Date.now()]
        } else status.jobsRejected++
        break
      case 'credit':
        status.credits = addCredit(status.credits, credited, event.credit)
        break
      case 'closed':
        held.clear()
        running.clear()
        break
    }
    publish()
    init.onEvent?.(event)
  }

  /** A job left: it no longer holds a slot, and its runner call ends when all of its jobs did. */
  function release(jobId: string): void {
    held.delete(jobId)
    for (const [key, call] of running)
      if (call.jobIds.every((id) => !held.has(id))) running.delete(key)
  }

  async function dialGateway(node: BrowserNode, info: GridNetworkInfo): Promise<Connection> {
    const addresses = orderGatewayAddresses({
      multiaddrs: info.multiaddrs,
      allowInsecureLocal: init.allowInsecureLocal ?? false,
    })
    if (addresses.length === 0)
      throw new NetworkError('The gateway advertises no address this browser can dial.', {
        code: 'NETWORK_NO_ADDRESS',
        details: { multiaddrs: info.multiaddrs.join(' ') },
      })
    const failures: string[] = []
    for (const address of addresses) {
      signal.throwIfAborted()
      try {
        return await node.dial(multiaddr(address), {
          signal: AbortSignal.any([signal, AbortSignal.timeout(init.dialTimeoutMs ?? 5000)]),
        })
      } catch (error) {
        failures.push(`${address}: ${error instanceof Error ? error.message : String(error)}`)
      }
    }
    throw new NetworkError('Every address of the gateway failed to connect.', {
      code: 'NETWORK_DIAL_FAILED',
      metaMessages: failures,
      details: { tried: addresses.length },
    })
  }

  async function runSession(node: BrowserNode): Promise<boolean> {
    publish({ state: status.sessions === 0 ? 'connecting' : 'reconnecting', retryInMs: undefined })
    const info = await fetchNetworkInfo({ baseUrl: init.baseUrl, signal })
    const connection = await dialGateway(node, info)
    const remoteAddr = connection.remoteAddr.toString()
    const connectionClosed = new Promise<Error>((resolve) => {
      const onClose = (event: CustomEvent<Connection>) => {
        if (event.detail.id !== connection.id) return
        node.removeEventListener('connection:close', onClose)
        resolve(new Error('The connection to the gateway closed.'))
      }
      node.addEventListener('connection:close', onClose)
    })
    const hello = init.hello()
    const session = createWorkClient(
      {
        clientVersion: init.clientVersion,
        backends: hello.backends,
        cachedModels: hello.cachedModels,
        slots,
        maxConcurrentRuns: init.maxConcurrentRuns ?? 2,
        sessionKey: init.sessionKey,
        delegation: init.delegation,
        partner: init.partner,
        chainId: info.chainId,
        runJob: init.runJob,
        batching: init.batching,
        heartbeatIntervalMs: init.heartbeatIntervalMs,
        peerTimeoutMs: init.peerTimeoutMs,
        onEvent,
        hashTensorMap: init.hashTensorMap,
      },
      {
        openStream: (options) =>
          connection.newStream(info.protocol, { ...options, runOnLimitedConnection: false }),
      },
    )
    client = session
    await session.start({ signal })
    const startedAt = Date.now()
    status.sessions++
    publish({ state: 'connected', transport: connectionTransportOf(remoteAddr), remoteAddr })
    const reason = await Promise.race([session.closed, connectionClosed])
    await session.stop()
    client = undefined
    if (signal.aborted) return true
    publish({
      state: 'reconnecting',
      lastError: reason?.message ?? 'The gateway ended the session.',
    })
    // A session that ends at once (a gateway refusing the hello) must not reconnect in a tight loop.
    return Date.now() - startedAt > 5000
  }

  async function run(node: BrowserNode): Promise<void> {
    let failures = 0
    while (!signal.aborted) {
      try {
        failures = (await runSession(node)) ? 0 : failures + 1
      } catch (error) {
        if (signal.aborted) break
        failures++
        publish({
          state: 'reconnecting',
          lastError:
            error instanceof NetworkError
              ? error.shortMessage
              : error instanceof Error
                ? error.message
                : String(error),
        })
      }
      if (signal.aborted) break
      const delay = backoffDelay({
        attempt: Math.max(0, failures - 1),
        initialMs: init.backoff?.initialMs,
        maxMs: init.backoff?.maxMs,
      })
      publish({
        state: 'reconnecting',
        retryInMs: delay,
        transport: undefined,
        remoteAddr: undefined,
      })
      await sleep(delay, signal)
    }
  }

  return {
    async start() {
      if (libp2p) throw new Error('A grid worker starts once: create another.')
      libp2p = await createBrowserNode({
        allowInsecureLocal: init.allowInsecureLocal,
        iceServers: init.iceServers,
      })
      publish({ peerId: libp2p.peerId.toString() })
      loop = run(libp2p)
    },

    setSlots(next) {
      slots = Math.max(0, Math.floor(next))
      client?.setSlots(slots)
      publish()
    },

    async stop() {
      controller.abort(new Error('stopped'))
      await client?.stop()
      await loop
      await libp2p?.stop()
      held.clear()
      running.clear()
      publish({
        state: 'stopped',
        transport: undefined,
        remoteAddr: undefined,
        retryInMs: undefined,
      })
    },

    status: () => ({ ...status, ...snapshot() }),

    node: () => libp2p,
  }
}

/** Adds one credit message to the sums; a later message for the same job replaces the earlier. */
function addCredit(
  credits: GridWorkerCredits,
  seen: Map<string, { amount: bigint; status: CreditMessage['status'] }>,
  credit: CreditMessage,
): GridWorkerCredits {
  const next = { ...credits }
  const apply = (entry: { amount: bigint; status: CreditMessage['status'] }, sign: 1 | -1) => {
    const amount = sign === 1 ? entry.amount : -entry.amount
    if (entry.status === 'pending') {
      next.pending += amount
      next.pendingResults += sign
    } else if (entry.status === 'verified') {
      next.verified += amount
      next.verifiedResults += sign
    } else next.rejectedResults += sign
  }
  const previous = seen.get(credit.jobId)
  if (previous) apply(previous, -1)
  const entry = { amount: credit.amount, status: credit.status }
  seen.set(credit.jobId, entry)
  apply(entry, 1)
  return next
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
  })
}
