/**
 * Grid capacity (issue 4, figure c): how many results per second one gateway process completes,
 * and the gateway's CPU time per result, with 100 / 500 / 1,000 simulated workers connected.
 *
 * The gateway is the real one, as a child process (test/fixtures/startGateway.ts). Workers are
 * real Node libp2p nodes over WebSocket running the real work client with trivial compute
 * (bench/gridSimWorkers.ts), spread over several forked processes so that the load generator does
 * not share a process with the gateway. Jobs are Silero VAD inputs ([1,512] audio and its state),
 * submitted with POST /v1/jobs:batch (CBOR). For each connection count:
 *   1. submission: every worker paused (0 slots), the queue is pre-filled: the gateway's CPU per
 *      submitted job is the requester API's cost alone (HTTP, parse, hash, SQLite insert);
 *   2. drain: every worker gets 2 slots; after a warm-up, a fixed window counts accepted results
 *      and the gateway's CPU: the worker-side cost alone (assign, frames, result check with its
 *      P-256 signature, SQLite) at the queue-never-empty rate;
 *   3. steady state: a requester keeps a few batches outstanding while workers run, so the window
 *      pays for both sides, as a live grid does.
 * Gateway CPU is user + system time of its process from /proc/<pid>/stat (all threads), so results
 * per core = 1 / (CPU seconds per result), whatever else the machine runs.
 *
 * Run alone: `npx tsx bench/gridCapacity.ts`. GRID_BENCH_CPU_PROF=<dir> writes a V8 CPU profile
 * of the gateway (bench/cpuProfileHook.mjs: Node 20 refuses --cpu-prof in NODE_OPTIONS) into <dir>,
 * covering the drain and steady windows of the last connection count.
 */
import { type ChildProcess, fork } from 'node:child_process'
import { cpus, loadavg } from 'node:os'
import path from 'node:path'
import { parseManifest } from '../src/protocol/models/parseManifest.ts'
import { startGateway } from '../test/fixtures/startGateway.ts'
import { testModels } from '../test/worker/engineModels.ts'
import {
  BENCH_OPERATOR_TOKEN,
  createBenchApiKey,
  findModel,
  metric,
  processCpuSeconds,
  scrapeMetrics,
  sleep,
  submitBatch,
} from './gridGateway.ts'
import type { SimWorkersCommand, SimWorkersReport } from './gridSimWorkers.ts'
import { fmt, table } from './measure.ts'

const CONNECTIONS = (process.env.GRID_BENCH_CONNECTIONS ?? '100,500,1000').split(',').map(Number)
const LOAD_PROCESSES = 3
const SLOTS = 2
// Jobs per POST /v1/jobs:batch. A 1,000-job batch (the API's limit) holds the gateway's event loop
// for a second or more on this machine: long enough for libp2p's connection monitor to time out
// pings and abort worker connections. 250 keeps each request short.
const BATCH = 250
const IDLE_MS = 3000
const WARMUP_MS = 1500
const WINDOW_MS = 4000
const GOAL_PER_CORE = 3000

export type LoadProcess = { child: ChildProcess; reports: SimWorkersReport[]; wake: () => void }

type Row = {
  connections: number
  submitJobsPerS: number
  submitCpuMsPerJob: number
  drainResultsPerS: number
  drainCpuMsPerResult: number
  /** The same less what the idle connections cost meanwhile. */
  drainNetMsPerResult: number
  drainGatewayCores: number
  drainQueueLeft: number
  steadyResultsPerS: number
  steadyCpuMsPerResult: number
  steadyNetMsPerResult: number
  steadyGatewayCores: number
  loadCpuCores: number
  idleCores: number
  /** Workers still connected at the end of the steady window. */
  workersLeft: number
}

export function forkLoadProcess(): LoadProcess {
  const child = fork(path.join(import.meta.dirname, 'gridSimWorkers.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  })
  const process: LoadProcess = { child, reports: [], wake: () => undefined }
  child.on('message', (message: SimWorkersReport) => {
    process.reports.push(message)
    process.wake()
  })
  return process
}

export function waitReport(
  load: LoadProcess,
  type: SimWorkersReport['type'],
  timeoutMs: number,
): Promise<SimWorkersReport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ${type} report in ${timeoutMs} ms`)),
      timeoutMs,
    )
    const check = () => {
      const index = load.reports.findIndex((r) => r.type === type)
      if (index < 0) return
      clearTimeout(timer)
      const [report] = load.reports.splice(index, 1)
      if (report) resolve(report)
    }
    load.wake = check
    check()
  })
}

export const send = (load: LoadProcess, command: SimWorkersCommand) => load.child.send(command)

/** A gateway for simulated workers: shared by the capacity bench and the load program. */
export const SIMULATED_WORKER_GATEWAY_ARGS = [
  '--operator-token',
  BENCH_OPERATOR_TOKEN,
  '--log-level',
  'warn',
  // 1,000 workers dial from one address within seconds: lift the per-IP accept rate.
  '--p2p-inbound-rate',
  '1000000',
  '--p2p-max-connections',
  '4096',
  // ... and the per-IP ceilings on connections and work sessions (every simulated worker is
  // 127.0.0.1), and the open-jobs ceiling per API key (the capacity run pre-fills a deep queue).
  '--p2p-max-connections-per-ip',
  '0',
  '--max-sessions-per-ip',
  '0',
  '--max-open-jobs-per-key',
  '100000000',
  '--p2p-listen',
  '/ip4/127.0.0.1/tcp/0/ws',
  // The simulated workers answer zeros, not the model's outputs: spot-checks would suspend
  // them all. Verification's own cost is the `verification` suite's figure.
  '--spot-check-probation',
  '0',
  '--spot-check-floor',
  '0',
]

export async function runGridCapacity(): Promise<string> {
  const profileDir = process.env.GRID_BENCH_CPU_PROF
  const gateway = await startGateway({
    args: SIMULATED_WORKER_GATEWAY_ARGS,
    env: profileDir
      ? {
          NODE_OPTIONS: `--import=${path.join(import.meta.dirname, 'cpuProfileHook.mjs')}`,
          GRID_BENCH_CPU_PROF: profileDir,
        }
      : {},
  })
  const loads = Array.from({ length: LOAD_PROCESSES }, forkLoadProcess)
  try {
    const url = gateway.url
    const secret = await createBenchApiKey(url)
    const network = (await (await fetch(new URL('/v1/network', url))).json()) as {
      multiaddrs: string[]
      chainId: number
    }
    const address = network.multiaddrs.find((ma) => ma.includes('/ws/'))
    if (!address) throw new Error(`no WebSocket address in ${network.multiaddrs.join(', ')}`)
    const silero = await findModel(url, testModels.silero.name)
    const manifest = parseManifest(
      await (await fetch(new URL(`/v1/models/${silero.id}`, url))).json(),
    )
    const inputs = Array.from({ length: BATCH }, (_, i) =>
      testModels.silero.makeInputs({ samples: 512 }, 10_000 + i),
    )
    const submit = () => submitBatch(url, secret, silero.id, inputs)
    const gatewayCpu = () => processCpuSeconds(gateway.pid)
    const loadCpu = () =>
      loads.reduce((sum, l) => sum + (l.child.pid ? processCpuSeconds(l.child.pid) : 0), 0)
    const setSlots = (slots: number) => {
      for (const load of loads) send(load, { type: 'slots', slots })
    }

    const rows: Row[] = []
    let connected = 0
    let guessRate = 1500
    for (const target of CONNECTIONS) {
      const started = performance.now()
      // 1. Connect the new workers (they say hello with 0 slots) and let running jobs finish.
      setSlots(0)
      const toAdd = target - connected
      await Promise.all(
        loads.map(async (load, i) => {
          const count = Math.floor(toAdd / LOAD_PROCESSES) + (i < toAdd % LOAD_PROCESSES ? 1 : 0)
          send(load, {
            type: 'start',
            address,
            count,
            chainId: network.chainId,
            manifests: [{ id: manifest.id, inputs: manifest.inputs, outputs: manifest.outputs }],
          })
          const ready = await waitReport(load, 'ready', 180_000)
          if (ready.type === 'ready' && ready.failed > 0)
            throw new Error(`${ready.failed} workers could not connect: ${ready.firstError}`)
        }),
      )
      connected = target
      for (let i = 0; i < 100; i++) {
        const samples = await scrapeMetrics(url)
        if (
          metric(samples, 'inference_grid_workers_connected') >= target &&
          metric(samples, 'inference_grid_leases_active') === 0
        )
          break
        await sleep(200)
      }
      console.error(
        `bench: grid: ${target} workers connected in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      )

      // Idle: what the connections alone cost (heartbeats both ways, libp2p pings every 10 s).
      const cpuIdle0 = gatewayCpu()
      const tIdle = performance.now()
      await sleep(IDLE_MS)
      const idleCores = (gatewayCpu() - cpuIdle0) / ((performance.now() - tIdle) / 1000)

      // 2. Submission alone: pre-fill the queue for the drain window (and then some).
      const batches = Math.max(
        4,
        Math.ceil((guessRate * (WARMUP_MS + WINDOW_MS) * 1.5) / 1000 / BATCH),
      )
      let cpu0 = gatewayCpu()
      let t0 = performance.now()
      for (let i = 0; i < batches; i++) await submit()
      const submitSeconds = (performance.now() - t0) / 1000
      const submitCpu = gatewayCpu() - cpu0
      const submitted = batches * BATCH

      // 3. Drain: results only.
      const profiled = profileDir !== undefined && target === CONNECTIONS.at(-1)
      if (profiled) process.kill(gateway.pid, 'SIGUSR2')
      setSlots(SLOTS)
      await sleep(WARMUP_MS)
      let m0 = await scrapeMetrics(url)
      cpu0 = gatewayCpu()
      let load0 = loadCpu()
      t0 = performance.now()
      await sleep(WINDOW_MS)
      let m1 = await scrapeMetrics(url)
      const drainSeconds = (performance.now() - t0) / 1000
      const drainCpu = gatewayCpu() - cpu0
      const drainLoad = (loadCpu() - load0) / drainSeconds
      const drainResults =
        metric(m1, 'inference_grid_results_accepted_total') -
        metric(m0, 'inference_grid_results_accepted_total')
      const queueLeft = metric(m1, 'inference_grid_jobs{state="queued"}')
      guessRate = Math.max(guessRate, drainResults / drainSeconds)

      // 4. Steady state: a requester keeps batches outstanding while the workers drain them.
      const outstandingBatches = Math.ceil((target * SLOTS) / BATCH) + 2
      let running = true
      const requester = (async () => {
        const lastIds: string[] = []
        while (running) {
          while (running && lastIds.length < outstandingBatches) {
            const ids = await submit()
            const last = ids.at(-1)
            if (last) lastIds.push(last)
          }
          const oldest = lastIds[0]
          if (!oldest) continue
          // The oldest batch is nearly done once its last job settled (the queue is FIFO here).
          await fetch(new URL(`/v1/jobs/${oldest}?wait=2`, url), {
            headers: { authorization: `Bearer ${secret}` },
          })
          const view = (await fetch(new URL(`/v1/jobs/${oldest}`, url), {
            headers: { authorization: `Bearer ${secret}` },
          }).then((r) => r.json())) as { status: string }
          if (view.status !== 'queued' && view.status !== 'leased') lastIds.shift()
        }
      })()
      await sleep(WARMUP_MS)
      m0 = await scrapeMetrics(url)
      cpu0 = gatewayCpu()
      load0 = loadCpu()
      t0 = performance.now()
      await sleep(WINDOW_MS)
      m1 = await scrapeMetrics(url)
      const seconds = (performance.now() - t0) / 1000
      const steadyCpu = gatewayCpu() - cpu0
      const steadyLoad = (loadCpu() - load0) / seconds
      running = false
      if (profiled) process.kill(gateway.pid, 'SIGUSR2')
      await requester
      const steadyResults =
        metric(m1, 'inference_grid_results_accepted_total') -
        metric(m0, 'inference_grid_results_accepted_total')

      rows.push({
        connections: target,
        submitJobsPerS: submitted / submitSeconds,
        submitCpuMsPerJob: (1000 * submitCpu) / submitted,
        drainResultsPerS: drainResults / drainSeconds,
        drainCpuMsPerResult: (1000 * drainCpu) / Math.max(1, drainResults),
        drainNetMsPerResult:
          (1000 * Math.max(0, drainCpu - idleCores * drainSeconds)) / Math.max(1, drainResults),
        drainGatewayCores: drainCpu / drainSeconds,
        drainQueueLeft: queueLeft,
        steadyResultsPerS: steadyResults / seconds,
        steadyCpuMsPerResult: (1000 * steadyCpu) / Math.max(1, steadyResults),
        steadyNetMsPerResult:
          (1000 * Math.max(0, steadyCpu - idleCores * seconds)) / Math.max(1, steadyResults),
        steadyGatewayCores: steadyCpu / seconds,
        loadCpuCores: Math.max(drainLoad, steadyLoad),
        idleCores,
        workersLeft: metric(m1, 'inference_grid_workers_connected'),
      })
      const closedSessions = [...m1.entries()]
        .filter(([key]) => key.startsWith('inference_grid_work_sessions_closed_total'))
        .map(
          ([key, value]) =>
            `${key.replace('inference_grid_work_sessions_closed_total', '')} ${value}`,
        )
      console.error(
        `bench: grid: ${target}: after the steady window ${metric(m1, 'inference_grid_workers_connected')} workers connected, ${metric(m1, 'inference_grid_jobs{state="queued"}')} jobs queued, ${metric(m1, 'inference_grid_leases_active')} leases active, sessions closed: ${closedSessions.join(', ') || 'none'}`,
      )
      console.error(
        `bench: grid: ${target} connections: drain ${fmt(drainResults / drainSeconds)} results/s, steady ${fmt(steadyResults / seconds)} results/s (${((performance.now() - started) / 1000).toFixed(1)} s)`,
      )
    }
    setSlots(0)
    if (profileDir) await sleep(3000)

    // What one core completes when the gateway runs flat out: the idle share of the core is spent
    // on the connections whatever the load, the rest at the net cost per job.
    const capacity = (idle: number, netMs: number) => (netMs > 0 ? (1000 * (1 - idle)) / netMs : 0)
    const body = table(
      [
        'connections (at end)',
        'idle CPU (cores)',
        'submit jobs/s',
        'submit CPU ms/job',
        'drain results/s',
        'gateway cores',
        'results CPU ms/result (net)',
        'steady jobs/s',
        'gateway cores',
        'steady CPU ms/job (net)',
        'jobs/s per core',
        `vs goal ${GOAL_PER_CORE}`,
        'load gen cores',
      ],
      rows.map((r) => [
        `${r.connections} (${r.workersLeft})`,
        r.idleCores.toFixed(3),
        fmt(r.submitJobsPerS),
        fmt(r.submitCpuMsPerJob),
        `${fmt(r.drainResultsPerS)}${r.drainQueueLeft > 0 ? '' : ' (queue ran dry)'}`,
        r.drainGatewayCores.toFixed(2),
        `${fmt(r.drainCpuMsPerResult)} (${fmt(r.drainNetMsPerResult)})`,
        fmt(r.steadyResultsPerS),
        r.steadyGatewayCores.toFixed(2),
        `${fmt(r.steadyCpuMsPerResult)} (${fmt(r.steadyNetMsPerResult)})`,
        fmt(capacity(r.idleCores, r.steadyNetMsPerResult)),
        (capacity(r.idleCores, r.steadyNetMsPerResult) / GOAL_PER_CORE).toFixed(2),
        r.loadCpuCores.toFixed(2),
      ]),
    )
    return [
      `### Gateway capacity (simulated workers: Node libp2p over WebSocket, ${LOAD_PROCESSES} load processes, ${SLOTS} slots each, P-256 session keys, Silero VAD [1,512] jobs, zero outputs)`,
      '',
      `Machine: ${cpus().length} cores shared by the gateway, the load generator and whatever else runs (load average ${(loadavg()[0] ?? 0).toFixed(2)} at the end): results/s are bounded by that; CPU per result is the gateway process's own user+system time and is the figure to compare.`,
      '',
      body,
      '',
      `idle: gateway CPU per wall second with the workers connected and nothing to do (work-protocol heartbeats every 10 s both ways, libp2p connection-monitor pings). submit: POST /v1/jobs:batch of ${BATCH} jobs (CBOR) with every worker paused: the requester API alone. drain: the pre-filled queue served by the workers, no HTTP: the work protocol alone (assign, result check with signature, SQLite). steady: a requester keeps batches outstanding while workers run: both, per completed job. gateway cores: its CPU seconds per wall second in the window (well under 1 with a non-empty queue means the OS gave it no more: other processes share the 2 cores). CPU ms: total in the window per result, (net): less the idle cost over the same time. jobs/s per core = (1 - idle cores) / net steady CPU per job: what one core would complete running flat out. load gen cores: CPU of the simulated-worker processes per wall second. (at end): workers still connected after the steady window; a simulated worker whose connection drops (libp2p's connection monitor aborts it when a ping times out on a starved machine) does not come back.`,
      '',
    ].join('\n')
  } finally {
    for (const load of loads) {
      if (load.child.connected) send(load, { type: 'stop' })
    }
    await Promise.all(
      loads.map(
        (load) =>
          new Promise<void>((resolve) => {
            if (load.child.exitCode !== null || load.child.signalCode !== null) return resolve()
            const timer = setTimeout(() => {
              load.child.kill('SIGKILL')
            }, 15_000)
            load.child.once('exit', () => {
              clearTimeout(timer)
              resolve()
            })
          }),
      ),
    )
    await gateway.stop({ timeoutMs: 30_000 })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runGridCapacity())
}
