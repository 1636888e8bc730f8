import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, test } from 'vitest'
import { toJobView } from '../../../src/gateway/api/toJobView.ts'
import { readLedgerSummary } from '../../../src/gateway/ledger/readLedgerSummary.ts'
import type { RunJob } from '../../../src/p2p/workClient.ts'
import type { TensorMap } from '../../../src/protocol/tensor/Tensor.ts'
import {
  fakeReferenceRunner,
  float32Tensor,
  runFakeModel,
} from '../../fixtures/fakeModelCatalog.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'

/**
 * The verifier inside the real job network (libp2p, work protocol, SQLite), with the fake models
 * and their arithmetic as the spot-check reference: majority among replicas, a tie that adds a
 * replica, spot-checks that catch a tampering wallet and hand its job to an honest one, and the
 * suspension that follows (its next hello is refused with the reason).
 */

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

async function grid(options: Parameters<typeof startJobNetwork>[0] = {}): Promise<TestJobNetwork> {
  const started = await startJobNetwork({ reference: fakeReferenceRunner, ...options })
  cleanups.push(() => started.stop({ remove: true }))
  return started
}

const honestRun: RunJob = async (job) => ({
  outputs: runFakeModel(job.modelId, job.inputs, job.outputNames),
  backend: 'wasm',
  inferenceMs: 0.1,
})

/** Adds 1 to every output element: a wrong answer that still has the right shape and a signature. */
const tamperingRun: RunJob = async (job) => {
  const outputs = runFakeModel(job.modelId, job.inputs, job.outputNames)
  const tampered: TensorMap = {}
  for (const [name, tensor] of Object.entries(outputs)) {
    const values = new Float32Array(tensor.data.slice().buffer)
    tampered[name] = float32Tensor(
      [...tensor.dims],
      [...values].map((v) => v + 1),
    )
  }
  return { outputs: tampered, backend: 'wasm', inferenceMs: 0.1 }
}

async function walletWorker(
  g: TestJobNetwork,
  account: PrivateKeyAccount,
  run: RunJob,
): Promise<SimulatedWorker> {
  const { nonce } = await g.network.nonces.issue(Date.now())
  const worker = await startSimulatedWorker({
    gateway: g.multiaddrs,
    chainId: TEST_CHAIN_ID,
    wallet: { account, nonce, origin: TEST_ORIGIN },
    run,
    slots: 2,
  })
  cleanups.push(() => worker.stop())
  return worker
}

async function allVerified(g: TestJobNetwork, ids: string[]): Promise<void> {
  await eventually(
    async () => {
      const jobs = await Promise.all(ids.map((id) => g.network.scheduler.getJob(id)))
      return jobs.every((job) => job?.verifiedAt !== undefined)
    },
    { timeoutMs: 30_000, what: 'every job verified' },
  )
  await g.network.verifier.idle()
}

async function view(g: TestJobNetwork, id: string) {
  const job = await g.network.scheduler.getJob(id)
  if (!job) throw new Error(`no job ${id}`)
  return toJobView({ job, results: await g.network.scheduler.getResults(id), encoding: 'base64' })
}

describe('verifier', () => {
  test('behavior: spot-checks catch a tampering wallet; its jobs go to an honest one; it is suspended', async () => {
    // random() = 0: every result is sampled, so the figures below are exact.
    const g = await grid({ random: () => 0 })
    const honest = privateKeyToAccount(generatePrivateKey())
    const cheat = privateKeyToAccount(generatePrivateKey())
    const cheatWorker = await walletWorker(g, cheat, tamperingRun)
    const honestWorker = await walletWorker(g, honest, honestRun)
    const ids = await submitJobs(
      g.network,
      Array.from({ length: 6 }, () => ({ price: 1000n })),
    )
    await allVerified(g, ids)
    // Each worker is told what each decided result earned (credit messages).
    await honestWorker.waitFor((events) => events.filter((e) => e.type === 'credit').length === 6)
    for (const event of honestWorker.events)
      if (event.type === 'credit')
        expect(event.credit).toMatchObject({ amount: 700n, status: 'verified' })
    const rejected = cheatWorker.events.filter(
      (e) => e.type === 'credit' && e.credit.status === 'rejected' && e.credit.amount === 0n,
    )
    expect(rejected.length).toBeGreaterThanOrEqual(1)

    const db = g.database.sqlite
    const cheatLedger = readLedgerSummary(db, { account: cheat.address })
    expect(cheatLedger.balances).toEqual({ verified: '0', pending: '0' })
    expect(cheatLedger.standing?.suspendReason).toMatch(/^Suspended: 2 results failed verification/)
    // Every job ends with one valid honest result: 6 x 70% of 1000.
    expect(readLedgerSummary(db, { account: honest.address }).balances).toEqual({
      verified: '4200',
      pending: '0',
    })
    const views = await Promise.all(ids.map((id) => view(g, id)))
    for (const v of views) {
      expect(v.verification).toMatchObject({ requested: 'spot-check', level: 'spot-checked' })
      expect(v.results).toHaveLength(1)
      expect(v.results[0]?.worker.wallet).toBe(honest.address)
      expect(v.receipts.at(-1)).toMatchObject({ decision: 'valid', method: 'spot-check' })
    }
    const caught = views.filter((v) => v.receipts.some((r) => r.decision === 'invalid'))
    expect(caught.length).toBeGreaterThanOrEqual(1)
    expect(caught.length).toBeLessThanOrEqual(3)
    expect(caught[0]?.receipts[0]?.detail).toMatch(
      /disagrees with the gateway's onnxruntime-node re-run/,
    )
    expect(caught[0]?.verification.replicas).toBe(2)

    // The operator sees it in /metrics.
    const metrics = await g.metrics.registry.metrics()
    expect(metrics).toMatch(
      /inference_grid_verdicts_total\{decision="invalid",method="spot-check"\} [23]\n/,
    )
    expect(metrics).toMatch(
      /inference_grid_verdicts_total\{decision="valid",method="spot-check"\} 6/,
    )
    expect(metrics).toMatch(/inference_grid_suspensions_total 1/)
    // Its session was ended at the suspension, with the reason.
    await cheatWorker.waitFor((events) => events.some((e) => e.type === 'closed'), 10_000)
    const ended = cheatWorker.events.find((e) => e.type === 'closed')
    expect(
      ended?.type === 'closed' && ended.error && 'code' in ended.error && ended.error.code,
    ).toBe('WORK_IDENTITY_SUSPENDED')
    // A new session of the suspended wallet is refused, with the reason.
    const again = await walletWorker(g, cheat, tamperingRun)
    await again.waitFor((events) => events.some((e) => e.type === 'closed'), 10_000)
    const closed = again.events.find((e) => e.type === 'closed')
    expect(
      closed?.type === 'closed' && closed.error && 'code' in closed.error && closed.error.code,
    ).toBe('WORK_IDENTITY_SUSPENDED')
  })

  test('behavior: redundancy 3 accepts the majority and marks the dissenter invalid', async () => {
    const g = await grid()
    const accounts = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey()))
    await walletWorker(g, accounts[0] as PrivateKeyAccount, honestRun)
    await walletWorker(g, accounts[1] as PrivateKeyAccount, honestRun)
    await walletWorker(g, accounts[2] as PrivateKeyAccount, tamperingRun)
    const ids = await submitJobs(g.network, [{ redundancy: 3, price: 10n }])
    await allVerified(g, ids)
    const v = await view(g, ids[0] as string)
    expect(v.verification).toMatchObject({
      requested: 'redundant',
      level: 'redundant',
      replicas: 3,
    })
    expect(v.results.map((r) => r.worker.wallet).sort()).toEqual(
      [accounts[0]?.address, accounts[1]?.address].sort(),
    )
    const dissent = v.receipts.find((r) => r.worker.wallet === accounts[2]?.address)
    expect(dissent).toMatchObject({ decision: 'invalid', method: 'redundancy' })
    expect(dissent?.detail).toMatch(/^dissents from the majority of 2 of 3: sum: exact: /)
    // 70% of 10 each for the two in the majority, nothing for the dissenter.
    const db = g.database.sqlite
    expect(
      readLedgerSummary(db, { account: accounts[0]?.address as `0x${string}` }).balances.verified,
    ).toBe('7')
    expect(
      readLedgerSummary(db, { account: accounts[2]?.address as `0x${string}` }).balances.verified,
    ).toBe('0')
  })

  test('behavior: a tie between two replicas adds a third, which decides', async () => {
    const g = await grid()
    const [a, b, c] = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey())) as [
      PrivateKeyAccount,
      PrivateKeyAccount,
      PrivateKeyAccount,
    ]
    await walletWorker(g, a, honestRun)
    await walletWorker(g, c, tamperingRun)
    const ids = await submitJobs(g.network, [{ redundancy: 2 }])
    const id = ids[0] as string
    await eventually(async () => (await g.network.scheduler.getJob(id))?.redundancy === 3, {
      timeoutMs: 20_000,
      what: 'a third replica',
    })
    expect((await view(g, id)).verification.level).toBe('pending')
    await walletWorker(g, b, honestRun)
    await allVerified(g, ids)
    const v = await view(g, id)
    expect(v.verification).toMatchObject({ level: 'redundant', requestedReplicas: 2, replicas: 3 })
    expect(v.receipts.map((r) => [r.worker.wallet, r.decision]).sort()).toEqual(
      [
        [a.address, 'valid'],
        [b.address, 'valid'],
        [c.address, 'invalid'],
      ].sort(),
    )
  })

  test('behavior: after probation, unsampled results are accepted unchecked with credit held back', async () => {
    // random() = 0.999 never samples once the rate drops below 1 (after 10 valid checks).
    const g = await grid({ random: () => 0.999 })
    const honest = privateKeyToAccount(generatePrivateKey())
    await walletWorker(g, honest, honestRun)
    const ids = await submitJobs(
      g.network,
      Array.from({ length: 20 }, () => ({ price: 100n })),
    )
    await allVerified(g, ids)
    const levels = (await Promise.all(ids.map((id) => view(g, id)))).map(
      (v) => v.verification.level,
    )
    expect(levels.filter((l) => l === 'spot-checked')).toHaveLength(10)
    expect(levels.filter((l) => l === 'unchecked')).toHaveLength(10)
    const db = g.database.sqlite
    expect(readLedgerSummary(db, { account: honest.address }).balances).toEqual({
      verified: '700',
      pending: '700',
    })
    // Past the holdback, pending credit becomes verified: nothing is lost.
    await g.network.verifier.releaseHeldBack(Date.now() + 2 * 86_400_000)
    expect(readLedgerSummary(db, { account: honest.address }).balances).toEqual({
      verified: '1400',
      pending: '0',
    })
  })

  test('behavior: after a suspension, its unchecked results are re-run; wrong ones are corrected and run again', async () => {
    // No sampling at all (probation 0, floor 0): single results are accepted unchecked.
    const g = await grid({
      config: {
        verification: {
          defaultPrice: 1000n,
          workerShareBps: 7000,
          partnerShareBps: 1000,
          spotCheckFloor: 0,
          spotCheckProbation: 0,
          suspendAfterInvalid: 2,
          holdbackMs: 60_000,
        },
      },
    })
    const [a, b, c] = [0, 1, 2].map(() => privateKeyToAccount(generatePrivateKey())) as [
      PrivateKeyAccount,
      PrivateKeyAccount,
      PrivateKeyAccount,
    ]
    const sleeper = await walletWorker(g, c, tamperingRun)
    const unchecked = await submitJobs(
      g.network,
      Array.from({ length: 3 }, () => ({ price: 1000n })),
    )
    await allVerified(g, unchecked)
    expect((await view(g, unchecked[0] as string)).verification.level).toBe('unchecked')
    // The holdback ends before anyone notices: the wrong answers' credit is released.
    await g.network.verifier.releaseHeldBack(Date.now() + 120_000)
    const db = g.database.sqlite
    expect(readLedgerSummary(db, { account: c.address }).balances.verified).toBe('2100')

    // Two redundant jobs: the sleeper dissents twice and is suspended.
    await walletWorker(g, a, honestRun)
    await walletWorker(g, b, honestRun)
    const redundant = await submitJobs(g.network, [{ redundancy: 3 }, { redundancy: 3 }])
    await allVerified(g, redundant)
    await sleeper.waitFor((events) => events.some((e) => e.type === 'closed'), 10_000)
    await eventually(() => g.network.verifier.stats().corrections === 3, {
      timeoutMs: 20_000,
      what: 'three corrections',
    })
    await allVerified(g, unchecked)

    // Every wrong answer was replaced by a checked one from an honest wallet...
    for (const id of unchecked) {
      const v = await view(g, id)
      expect(v.verification).toMatchObject({ level: 'spot-checked', replicas: 2 })
      expect(v.results.map((r) => r.worker.wallet)).not.toContain(c.address)
      expect(v.receipts[0]).toMatchObject({ decision: 'invalid', method: 'recheck' })
      expect(v.receipts[0]?.detail).toMatch(
        /^re-run after 0x[0-9a-fA-F]{40} was suspended: disagrees/,
      )
    }
    // ...and the released credit was taken back by correction entries, never edited.
    expect(readLedgerSummary(db, { account: c.address }).balances).toEqual({
      verified: '0',
      pending: '0',
    })
    const corrections = db
      .prepare(
        `SELECT count(*) AS n FROM ledger_entries WHERE account = ? AND bucket = 'verified'
         AND amount < 0 AND reason LIKE 'correction:%'`,
      )
      .get(c.address) as { n: number }
    expect(corrections.n).toBe(3)
  })
})
