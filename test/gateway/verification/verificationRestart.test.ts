import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, describe, expect, test } from 'vitest'
import { runApiKeysCli } from '../../../src/gateway/cli/runApiKeysCli.ts'
import { runModel } from '../../../src/gateway/models/onnx/runModel.ts'
import type { RunJob } from '../../../src/p2p/workClient.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import { repoRoot, type StartedGateway, startGateway } from '../../fixtures/startGateway.ts'

/**
 * The real gateway process (main.ts: real registry, onnxruntime-node re-runs in its worker
 * thread) killed with SIGKILL while results wait for their spot-check, then started again on the
 * same data directory: every result ends with exactly one verdict, every valid one with exactly
 * one credit per role adding up to the price, and nothing else. Workers compute Silero VAD with
 * onnxruntime-node (honest results), so the spot-checks pass.
 */

const cleanups: (() => Promise<unknown>)[] = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

type NetworkInfo = { peerId: string; multiaddrs: string[]; chainId: number }
const SILERO = path.join(repoRoot, 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx')
const JOBS = 40

const honest: RunJob = async (job) => {
  const { outputs, runUs } = await runModel({
    file: SILERO,
    inputs: job.inputs,
    outputNames: job.outputNames,
  })
  return { outputs, backend: 'wasm', inferenceMs: runUs / 1000 }
}

function sileroJob(i: number) {
  const audio = new Float32Array(512).map((_, k) => Math.sin((k + i * 7) / (3 + (i % 5))) * 0.3)
  const sr = new BigInt64Array([16000n])
  return {
    model: 'silero-vad-v5',
    price: 1000,
    inputs: {
      input: {
        dtype: 'float32',
        dims: [1, 512],
        data: Buffer.from(audio.buffer).toString('base64'),
      },
      state: { dtype: 'float32', dims: [2, 1, 128], data: Buffer.alloc(1024).toString('base64') },
      sr: { dtype: 'int64', dims: [], data: Buffer.from(sr.buffer).toString('base64') },
    },
  }
}

async function walletWorker(gateway: StartedGateway): Promise<SimulatedWorker> {
  const network = (await (await fetch(new URL('v1/network', gateway.url))).json()) as NetworkInfo
  const { nonce } = (await (
    await fetch(new URL('v1/delegations/nonce', gateway.url), { method: 'POST' })
  ).json()) as { nonce: `0x${string}` }
  const worker = await startSimulatedWorker({
    gateway: network.multiaddrs,
    chainId: network.chainId,
    slots: 4,
    wallet: { account, nonce, origin: new URL(gateway.url).origin },
    run: honest,
  })
  cleanups.push(() => worker.stop())
  return worker
}

const account = privateKeyToAccount(generatePrivateKey())

describe('verification across a gateway crash', () => {
  test('behavior: SIGKILL with spot-checks pending neither loses nor duplicates a verdict or an entry', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'grid-verify-restart-'))
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }))
    let printed = ''
    expect(
      await runApiKeysCli({
        args: ['create', '--name', 'verify-restart', '--json', '--data-dir', dataDir],
        stdout: (text) => {
          printed += text
        },
      }),
    ).toBe(0)
    const { secret } = JSON.parse(printed) as { secret: string }
    // Every result is re-run (floor 1): all of them pass through the spot-check queue.
    const args = ['--spot-check-floor', '1']
    const first = await startGateway({ dataDir, args })
    cleanups.push(() => first.stop())
    const submitted = await fetch(new URL('v1/jobs:batch', first.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ jobs: Array.from({ length: JOBS }, (_, i) => sileroJob(i)) }),
    })
    expect(submitted.status).toBe(202)

    const db = new Database(path.join(dataDir, 'grid.sqlite'), { readonly: true })
    cleanups.push(async () => db.close())
    const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n
    const worker = await walletWorker(first)
    // Kill once results are in but not all of them are verified yet.
    const deadline = Date.now() + 60_000
    let atKill = { results: 0, verdicts: 0 }
    for (;;) {
      // Frozen (SIGSTOP) while we look, so the verifier cannot finish between the look and the
      // kill: the counts read are the state the kill lands in.
      process.kill(first.pid, 'SIGSTOP')
      const results = count('SELECT count(*) AS n FROM job_results')
      const verdicts = count('SELECT count(*) AS n FROM result_verdicts')
      if (results >= JOBS / 2 && verdicts < results) {
        process.kill(first.pid, 'SIGKILL')
        atKill = { results, verdicts }
        break
      }
      process.kill(first.pid, 'SIGCONT')
      if (Date.now() > deadline) throw new Error(`no window to kill in: ${results}/${verdicts}`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    expect((await first.exited).signal).toBe('SIGKILL')
    await worker.stop()
    const afterKill = {
      results: count('SELECT count(*) AS n FROM job_results'),
      verdicts: count('SELECT count(*) AS n FROM result_verdicts'),
    }
    // The kill landed during verification: accepted results were still waiting for a verdict.
    expect(afterKill.results - afterKill.verdicts).toBeGreaterThan(0)
    expect(atKill.results).toBeGreaterThanOrEqual(JOBS / 2)

    const second = await startGateway({ dataDir, args })
    cleanups.push(() => second.stop())
    await walletWorker(second)
    const until = Date.now() + 90_000
    while (count(`SELECT count(*) AS n FROM jobs WHERE verified_at IS NOT NULL`) < JOBS) {
      if (Date.now() > until) throw new Error(`not all verified:\n${second.logs().slice(-3000)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }

    // Exactly one verdict per result, all valid (honest outputs), none lost.
    expect(count('SELECT count(*) AS n FROM job_results')).toBe(JOBS)
    expect(count(`SELECT count(*) AS n FROM result_verdicts WHERE decision = 'valid'`)).toBe(JOBS)
    expect(count(`SELECT count(*) AS n FROM spot_checks WHERE state = 'queued'`)).toBe(0)
    // Exactly one entry per (result, role): worker 700 and network 300, adding up to the price.
    const perResult = db
      .prepare(`SELECT lease_id, count(*) AS n, sum(amount) AS total,
                  group_concat(role || ':' || amount, ',') AS roles
                FROM ledger_entries GROUP BY lease_id ORDER BY lease_id`)
      .all() as { lease_id: number; n: number; total: number; roles: string }[]
    expect(perResult).toHaveLength(JOBS)
    for (const row of perResult) {
      expect(row.n).toBe(2)
      expect(row.total).toBe(1000)
      expect(row.roles.split(',').sort()).toEqual(['network:300', 'worker:700'])
    }
    const balance = db
      .prepare(
        `SELECT sum(amount) AS total FROM ledger_entries WHERE account = ? AND bucket = 'verified'`,
      )
      .get(account.address) as { total: number }
    expect(balance.total).toBe(700 * JOBS)
  }, 180_000)
})
