import type { Connection } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import type { Address } from 'viem'
import type { SignedDelegation } from '../protocol/eip712/delegationTypes.ts'
import type { BackendReport, ModelId } from '../protocol/messages.ts'
import { backoffDelay } from './backoffDelay.ts'
import { type ConnectionTransport, connectionTransportOf } from './connectionTransportOf.ts'
import { type BrowserNode, createBrowserNode, type IceServer } from './createBrowserNode.ts'
import { fetchNetworkInfo, type GridNetworkInfo } from './fetchNetworkInfo.ts'
import { NetworkError } from './NetworkError.ts'
import { orderGatewayAddresses } from './orderGatewayAddresses.ts'
import {
  createWorkClient,
  type RunJob,
  type SessionSigningKey,
  type WorkClient,
  type WorkClientBatching,
  type WorkClientEvent,
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
}

export type GridWorker = {
  /** Starts the node and the connect/work/reconnect loop; resolves once the node runs. */
  start(): Promise<void>
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
  const held = new Set<string>()
  const status: GridWorkerStatus = {
    state: 'idle',
    peerId: undefined,
    transport: undefined,
    remoteAddr: undefined,
    jobsDone: 0,
    jobsRejected: 0,
    jobsFailed: 0,
    currentJobs: [],
    batches: 0,
    batchedJobs: 0,
    sessions: 0,
    retryInMs: undefined,
    lastError: undefined,
  }
  const publish = (patch: Partial<GridWorkerStatus> = {}) => {
    Object.assign(status, patch, { currentJobs: [...held] })
    try {
      init.onStatus?.({ ...status })
    } catch {
      // A listener's bug must not stop the worker.
    }
  }

  const onEvent = (event: WorkClientEvent) => {
    switch (event.type) {
      case 'assigned':
        held.add(event.job.jobId)
        break
      case 'result-sent':
        held.delete(event.jobId)
        break
      case 'running':
        if (event.jobIds.length > 1) {
          status.batches++
          status.batchedJobs += event.jobIds.length
        }
        break
      case 'job-failed':
        held.delete(event.jobId)
        status.jobsFailed++
        status.lastError = event.error.shortMessage
        break
      case 'job-dropped':
        held.delete(event.jobId)
        break
      case 'ack':
        if (event.ack.accepted) status.jobsDone++
        else status.jobsRejected++
        break
      case 'closed':
        held.clear()
        break
    }
    publish()
    init.onEvent?.(event)
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
        slots: init.slots ?? 4,
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

    async stop() {
      controller.abort(new Error('stopped'))
      await client?.stop()
      await loop
      await libp2p?.stop()
      held.clear()
      publish({
        state: 'stopped',
        transport: undefined,
        remoteAddr: undefined,
        retryInMs: undefined,
      })
    },

    status: () => ({ ...status, currentJobs: [...held] }),

    node: () => libp2p,
  }
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
