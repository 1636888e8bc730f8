import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { runApiKeysCli } from '../../src/gateway/cli/runApiKeysCli.ts'
import type { RunJob } from '../../src/p2p/workClient.ts'
import { type SimulatedWorker, sleep, startSimulatedWorker } from '../fixtures/simulatedWorker.ts'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'

/**
 * The real gateway process (main.ts, real model registry) killed with SIGKILL mid-run and started
 * again on the same data directory: no accepted job is lost and none completes twice. The
 * simulated workers answer the PP-OCR direction classifier with zeros of the right shape: what is
 * tested is the job network, not the model.
 */

const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

type NetworkInfo = { peerId: string; multiaddrs: string[]; chainId: number }
type JobView = {
  id: string
  status: string
  attempts: number
  failures: number
  results: unknown[]
}

const zeroOutputs: RunJob = async () => ({
  outputs: {
    'softmax_0.tmp_0': { dtype: 'float32', dims: [1, 2], data: new Uint8Array(8) },
  },
  backend: 'wasm',
  inferenceMs: 0.1,
})

describe('job network across a gateway crash', () => {
  test('behavior: SIGKILL mid-run loses no accepted job and completes none twice', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'grid-restart-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    let printed = ''
    const cli = await runApiKeysCli({
      args: ['create', '--name', 'restart-test', '--json', '--data-dir', dataDir],
      stdout: (text) => {
        printed += text
      },
    })
    expect(cli).toBe(0)
    const { secret } = JSON.parse(printed) as { secret: string }

    // The workers' zeros are not the model's answers: no spot-checks here (probation 0, floor 0),
    // this test is about the job network; verification across a crash has its own test.
    const noChecks = ['--spot-check-probation', '0', '--spot-check-floor', '0']
    const first = await startGateway({ dataDir, args: noChecks })
    cleanups.push(() => first.stop())
    const api = (g: StartedGateway, route: string, init: RequestInit = {}) =>
      fetch(new URL(route, g.url), {
        ...init,
        headers: {
          authorization: `Bearer ${secret}`,
          'content-type': 'application/json',
          ...init.headers,
        },
      })
    const network = (await (await fetch(new URL('v1/network', first.url))).json()) as NetworkInfo

    const input = Buffer.alloc(4 * 3 * 48 * 192).toString('base64')
    const job = {
      model: 'ppocr-mobile-v2-cls',
      inputs: { x: { dtype: 'float32', dims: [1, 3, 48, 192], data: input } },
    }
    const submitted = await api(first, 'v1/jobs:batch', {
      method: 'POST',
      body: JSON.stringify({ jobs: Array.from({ length: 20 }, () => job) }),
    })
    expect(submitted.status).toBe(202)
    const ids = ((await submitted.json()) as { jobs: { id: string }[] }).jobs.map((j) => j.id)

    // Answers five jobs at once, then holds the next ones forever.
    let answered = 0
    const holder: SimulatedWorker = await startSimulatedWorker({
      gateway: network.multiaddrs,
      chainId: network.chainId,
      slots: 4,
      run: async (assigned, { signal }) => {
        if (answered++ < 5) return zeroOutputs(assigned, { signal })
        await sleep(600_000, signal)
        throw new Error('unreachable')
      },
    })
    cleanups.push(() => holder.stop())
    await holder.waitFor(
      (events) =>
        events.filter((e) => e.type === 'ack' && e.ack.accepted).length === 5 &&
        events.filter((e) => e.type === 'assigned').length >= 9,
    )

    process.kill(first.pid, 'SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')

    const second = await startGateway({ dataDir, args: noChecks })
    cleanups.push(() => second.stop())
    const again = (await (await fetch(new URL('v1/network', second.url))).json()) as NetworkInfo
    // The persisted identity: same peer id after the crash.
    expect(again.peerId).toBe(network.peerId)
    const finisher = await startSimulatedWorker({
      gateway: again.multiaddrs,
      chainId: again.chainId,
      slots: 4,
      run: zeroOutputs,
    })
    cleanups.push(() => finisher.stop())

    const views = await Promise.all(
      ids.map(async (id) => (await (await api(second, `v1/jobs/${id}?wait=20`)).json()) as JobView),
    )
    expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'))
    expect(views.every((v) => v.results.length === 1)).toBe(true)
    // Jobs held at the crash ran again; the restart did not count against them.
    expect(views.filter((v) => v.attempts === 2).length).toBeGreaterThanOrEqual(4)
    expect(views.every((v) => v.failures === 0)).toBe(true)
    // A job is completed in the database before its ack reaches the worker: wait for the acks.
    for (let i = 0; i < 200 && finisher.client.stats().accepted < 15; i++) await sleep(25)
    expect(finisher.client.stats().accepted).toBe(15)
  }, 60_000)
})
