/**
 * A load-generator process for the grid capacity benchmark (bench/gridCapacity.ts forks several):
 * many simulated workers, each a real Node libp2p node (WebSocket, Noise, Yamux, identify) with its
 * own peer id and P-256 session key (what a browser tab uses), running the real work client
 * (src/p2p/workClient.ts) with trivial compute: zeros of the shapes the model's manifest names.
 * So everything the gateway does per result is real (frames, CBOR, hashes, the signature check,
 * SQLite); only the inference is free.
 *
 * Driven over the fork IPC channel: `start` (connect n workers, paused with 0 slots), `slots`
 * (every worker holds this many jobs), `stop` (close all, then exit).
 */
import '../src/p2p/polyfills.node.ts'
import { identify } from '@libp2p/identify'
import { noise } from '@libp2p/noise'
import { webSockets } from '@libp2p/websockets'
import { yamux } from '@libp2p/yamux'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p, type Libp2p } from 'libp2p'
import { createWorkClient, type RunJob, type WorkClient } from '../src/p2p/workClient.ts'
import { generateSessionKey } from '../src/protocol/eip712/generateSessionKey.ts'
import type { ModelManifest } from '../src/protocol/models/ModelManifest.ts'
import { dtypes } from '../src/protocol/tensor/dtypes.ts'
import type { TensorMap } from '../src/protocol/tensor/Tensor.ts'
import { WORK_PROTOCOL_ID } from '../src/protocol/workProtocolId.ts'

export type SimWorkersCommand =
  | {
      type: 'start'
      /** The gateway's WebSocket multiaddr (with /p2p/). */
      address: string
      count: number
      chainId: number
      manifests: SimModel[]
    }
  | { type: 'slots'; slots: number }
  | { type: 'stop' }

export type SimWorkersReport =
  | { type: 'ready'; connected: number; failed: number; firstError?: string }
  | { type: 'stopped'; resultsSent: number }

/** The slice of a manifest the fake compute needs (plain data: it crosses the IPC channel). */
export type SimModel = Pick<ModelManifest, 'id' | 'inputs' | 'outputs'>

type Worker = { node: Libp2p; client: WorkClient }

/** Zero outputs of the manifest's shapes; named axes take their size from the job's inputs. */
export function zeroOutputs(
  manifest: SimModel,
  inputs: TensorMap,
  outputNames: readonly string[],
): TensorMap {
  const axes = new Map<string, number>()
  for (const spec of manifest.inputs) {
    const tensor = inputs[spec.name]
    if (!tensor) continue
    spec.dims.forEach((dim, i) => {
      if (typeof dim === 'string') axes.set(dim, tensor.dims[i] ?? 1)
    })
  }
  const outputs: TensorMap = {}
  for (const name of outputNames) {
    const spec = manifest.outputs.find((o) => o.name === name)
    if (!spec) continue
    const dims = spec.dims.map((dim) => (typeof dim === 'number' ? dim : (axes.get(dim) ?? 1)))
    const count = dims.reduce((a, b) => a * b, 1)
    outputs[name] = {
      dtype: spec.dtype,
      dims,
      data: new Uint8Array(count * dtypes[spec.dtype].bytes),
    }
  }
  return outputs
}

const workers: Worker[] = []
const closeReasons = new Map<string, number>()
let stopping = false

async function startOne(
  command: Extract<SimWorkersCommand, { type: 'start' }>,
  runJob: RunJob,
): Promise<Worker> {
  const node = await createLibp2p({
    transports: [webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionGater: { denyDialMultiaddr: () => false },
    // Hundreds of Noise handshakes queue up at the gateway on a loaded 2-core machine.
    connectionManager: { dialTimeout: 60_000 },
    services: { identify: identify() },
  })
  const key = await generateSessionKey('P-256')
  const address = multiaddr(command.address)
  const client = createWorkClient(
    {
      clientVersion: 'bench-simulated-worker/1',
      backends: [{ backend: 'wasm', selfTests: [] }],
      cachedModels: command.manifests.map((m) => m.id),
      slots: 0,
      sessionKey: {
        privateKey: key.keyPair.privateKey,
        publicKey: key.publicKeyHex,
        keyType: 'P-256',
      },
      chainId: command.chainId,
      runJob,
    },
    {
      openStream: (options) =>
        node.dialProtocol(address, WORK_PROTOCOL_ID, {
          signal: options.signal ?? AbortSignal.timeout(60_000),
        }),
    },
  )
  try {
    await client.start()
  } catch (error) {
    await node.stop()
    throw error
  }
  void client.closed.then((reason) => {
    if (stopping) return
    const text = reason ? `${reason.name}: ${reason.message}` : 'closed'
    const seen = closeReasons.get(text) ?? 0
    closeReasons.set(text, seen + 1)
    // Say why once per reason: a lost session is not retried here, and the table would lie.
    if (seen === 0) console.error(`bench: simulated worker session ended: ${text}`)
  })
  return { node, client }
}

async function start(command: Extract<SimWorkersCommand, { type: 'start' }>): Promise<void> {
  const byId = new Map(command.manifests.map((m) => [m.id.toLowerCase(), m]))
  const runJob: RunJob = async (job) => {
    const started = performance.now()
    const manifest = byId.get(job.modelId.toLowerCase())
    if (!manifest) throw new Error(`no manifest for ${job.modelId}`)
    const outputs = zeroOutputs(manifest, job.inputs, job.outputNames)
    return { outputs, backend: 'wasm', inferenceMs: performance.now() - started }
  }
  let failed = 0
  let firstError: string | undefined
  // A few dials at a time: the gateway's Noise handshakes are the slow part.
  const concurrency = 4
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < command.count) {
        next++
        for (let attempt = 1; ; attempt++) {
          try {
            workers.push(await startOne(command, runJob))
            break
          } catch (error) {
            if (attempt < 3) continue
            failed++
            firstError ??= error instanceof Error ? error.message : String(error)
            break
          }
        }
      }
    }),
  )
  report({
    type: 'ready',
    connected: workers.length,
    failed,
    ...(firstError ? { firstError } : {}),
  })
}

async function stop(): Promise<void> {
  stopping = true
  let resultsSent = 0
  for (const worker of workers) resultsSent += worker.client.stats().resultsSent
  await Promise.all(
    workers.map(async ({ client, node }) => {
      try {
        await client.stop()
        await node.stop()
      } catch {
        // Going away anyway: the gateway sees the connection drop.
      }
    }),
  )
  report({ type: 'stopped', resultsSent })
  process.disconnect?.()
  process.exit(0)
}

function report(message: SimWorkersReport): void {
  process.send?.(message)
}

process.on('message', (message: SimWorkersCommand) => {
  switch (message.type) {
    case 'start':
      void start(message)
      return
    case 'slots':
      for (const { client } of workers) client.setSlots(message.slots)
      return
    case 'stop':
      void stop()
      return
  }
})
// The parent died or closed the channel: nothing must outlive it.
process.on('disconnect', () => process.exit(0))
