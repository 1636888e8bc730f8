import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Address, Hex } from 'viem'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import { ledgerCsv } from '../../../src/gateway/ledger/ledgerCsv.ts'
import { readLedgerSummary } from '../../../src/gateway/ledger/readLedgerSummary.ts'
import { createSqliteJobStore } from '../../../src/gateway/scheduler/createSqliteJobStore.ts'
import type { JobStore } from '../../../src/gateway/scheduler/JobStore.ts'
import {
  openDatabase,
  type SqliteGatewayDatabase,
} from '../../../src/gateway/storage/openDatabase.ts'
import { createSqliteVerificationStore } from '../../../src/gateway/verification/createSqliteVerificationStore.ts'
import { splitPrice } from '../../../src/gateway/verification/splitPrice.ts'
import type { VerificationStore } from '../../../src/gateway/verification/VerificationStore.ts'
import { memoryLogger } from '../memoryLogger.ts'

/**
 * The ledger's invariants on the real schema (migration 5) and the real stores: a result is
 * credited once whatever is retried, the split adds up to the price, nothing is credited without
 * a result row (which exists only after its signature verified), and rows are append-only.
 */

const WALLET_A = '0x00000000000000000000000000000000000000a1' as Address
const WALLET_B = '0x00000000000000000000000000000000000000b2' as Address
const PARTNER = '0x00000000000000000000000000000000000000c3' as Address
const split = { workerBps: 7000, partnerBps: 1000 }

let dataDir: string
let database: SqliteGatewayDatabase
let jobs: JobStore
let store: VerificationStore
let seq = 0

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ig-ledger-'))
  database = await openDatabase({ dataDir, logger: memoryLogger('silent').logger })
  jobs = createSqliteJobStore(database.sqlite)
  store = createSqliteVerificationStore(database.sqlite)
})
afterEach(async () => {
  await database.close()
  rmSync(dataDir, { recursive: true, force: true })
})

/** A job answered by `wallet` (or anonymously) through the real job store; returns the lease id. */
async function answered(options: {
  price: bigint
  wallet?: Address
  partner?: Address
  jobId?: string
  redundancy?: number
}): Promise<{ jobId: string; leaseId: number }> {
  const jobId = options.jobId ?? `job-${++seq}`
  if (!options.jobId) {
    const inserted = await jobs.insertJobs([
      {
        id: jobId,
        requester: 'r',
        modelId: `0x${'11'.repeat(32)}` as Hex,
        inputs: new Uint8Array([1]),
        inputHash: `0x${'22'.repeat(32)}` as Hex,
        outputNames: ['y'],
        axes: {},
        priority: 0,
        redundancy: options.redundancy ?? 1,
        maxAttempts: 3,
        price: options.price,
        createdAt: 1,
      },
    ])
    expect(inserted.ok).toBe(true)
  }
  const sessionId = `s-${++seq}`
  const identity = options.wallet ?? `peer:p${seq}`
  await jobs.recordSession({
    sessionId,
    peerId: `p${seq}`,
    wallet: options.wallet,
    partner: options.partner,
    sessionKey: '0x01',
    keyType: 'Ed25519',
    clientVersion: 't',
    connectedAt: 1,
  })
  const lease = await jobs.createLease(
    jobId,
    { sessionId, peerId: `p${seq}`, identity, wallet: options.wallet },
    1,
    60_000,
  )
  if (!lease) throw new Error('no lease')
  const done = await jobs.completeLease({
    leaseId: lease.leaseId,
    jobId,
    worker: { sessionId, peerId: `p${seq}`, identity, wallet: options.wallet },
    partner: options.partner,
    sessionKey: '0x01',
    keyType: 'Ed25519',
    backend: 'wasm',
    outputs: new Uint8Array([0]),
    outputHash: `0x${'33'.repeat(32)}`,
    signature: `0x${'44'.repeat(64)}`,
    inferenceUs: 1,
    totalUs: 1,
    receivedAt: 2,
  })
  expect(done.ok).toBe(true)
  return { jobId, leaseId: lease.leaseId }
}

type EntryRow = {
  lease_id: number
  role: string
  bucket: string
  amount: bigint
  reverses: number | null
}
const entries = (): EntryRow[] =>
  database.sqlite
    .prepare('SELECT lease_id, role, bucket, amount, reverses FROM ledger_entries ORDER BY id')
    .safeIntegers(true)
    .all()
    .map((row) => {
      const r = row as {
        lease_id: bigint
        role: string
        bucket: string
        amount: bigint
        reverses: bigint | null
      }
      return {
        ...r,
        lease_id: Number(r.lease_id),
        reverses: r.reverses === null ? null : Number(r.reverses),
      }
    })

const valid = (leaseId: number) => ({
  leaseId,
  decision: 'valid' as const,
  method: 'spot-check' as const,
  detail: 'agrees',
})

describe('splitPrice', () => {
  test('behavior: shares round down and the network takes the rest, adding up exactly', () => {
    for (const price of [0n, 1n, 7n, 999n, 1000n, 123_456_789n, 2n ** 62n - 1n]) {
      for (const [hasWallet, hasPartner] of [
        [true, true],
        [true, false],
        [false, true],
        [false, false],
      ] as const) {
        const s = splitPrice({
          price,
          split: { workerBps: 7001, partnerBps: 999 },
          hasWallet,
          hasPartner,
        })
        expect(s.worker + s.partner + s.network).toBe(price)
        expect(s.network >= 0n).toBe(true)
        if (!hasWallet) expect(s.worker).toBe(0n)
        if (!hasPartner) expect(s.partner).toBe(0n)
      }
    }
  })
})

describe('ledger invariants', () => {
  test('behavior: a verified result credits worker, partner and network, adding up to the price', async () => {
    const a = await answered({ price: 1001n, wallet: WALLET_A, partner: PARTNER })
    const outcome = await store.recordVerdicts({
      jobId: a.jobId,
      verdicts: [valid(a.leaseId)],
      final: 'spot-checked',
      split,
      suspendAfterInvalid: 2,
      now: Date.UTC(2026, 10, 25, 12),
    })
    expect(outcome).toMatchObject({ recorded: true, entries: 3 })
    const rows = entries()
    expect(rows.map((r) => [r.role, r.bucket, r.amount])).toEqual([
      ['worker', 'verified', 700n],
      ['partner', 'verified', 100n],
      ['network', 'verified', 201n],
    ])
    const summary = readLedgerSummary(database.sqlite, { account: WALLET_A })
    expect(summary.balances).toEqual({ verified: '700', pending: '0' })
    expect(summary.days).toEqual([{ day: '2026-11-25', verified: '700', pending: '0', entries: 1 }])
    expect(readLedgerSummary(database.sqlite, { account: PARTNER }).balances.verified).toBe('100')
  })

  test('behavior: an anonymous result earns its worker nothing; the split still adds up', async () => {
    const a = await answered({ price: 1000n, partner: PARTNER })
    await store.recordVerdicts({
      jobId: a.jobId,
      verdicts: [valid(a.leaseId)],
      split,
      suspendAfterInvalid: 2,
      now: 5,
    })
    const rows = entries()
    expect(rows.map((r) => r.role)).toEqual(['partner', 'network'])
    expect(rows.reduce((sum, r) => sum + r.amount, 0n)).toBe(1000n)
  })

  test('behavior: deciding a result twice (a retry after a crash) credits it once', async () => {
    const a = await answered({ price: 1000n, wallet: WALLET_A })
    const first = await store.recordVerdicts({
      jobId: a.jobId,
      verdicts: [valid(a.leaseId)],
      split,
      suspendAfterInvalid: 2,
      now: 5,
    })
    const second = await store.recordVerdicts({
      jobId: a.jobId,
      verdicts: [valid(a.leaseId)],
      split,
      suspendAfterInvalid: 2,
      now: 6,
    })
    expect(first.recorded).toBe(true)
    expect(second).toEqual({ recorded: false, entries: 0, suspended: [] })
    expect(entries()).toHaveLength(2)
    const standing = await store.getStanding(WALLET_A)
    expect(standing?.valid).toBe(1)
  })

  test('error: the schema refuses a second credit, an edit and a deletion', async () => {
    const a = await answered({ price: 1000n, wallet: WALLET_A })
    await store.recordVerdicts({
      jobId: a.jobId,
      verdicts: [valid(a.leaseId)],
      split,
      suspendAfterInvalid: 2,
      now: 5,
    })
    const db = database.sqlite
    expect(() =>
      db
        .prepare(`INSERT INTO ledger_entries (account, role, bucket, amount, job_id, lease_id, signature,
          decision, reason, day, created_at) VALUES (?, 'worker', 'verified', 700, ?, ?, '0x', 'valid', 'again', '2026-01-01', 1)`)
        .run(WALLET_A, a.jobId, a.leaseId),
    ).toThrow(/UNIQUE/)
    expect(() => db.prepare('UPDATE ledger_entries SET amount = 1').run()).toThrow(/append-only/)
    expect(() => db.prepare('DELETE FROM ledger_entries').run()).toThrow(/append-only/)
  })

  test('error: no credit without a result whose signature verified (no job_results row)', async () => {
    const a = await answered({ price: 1000n, wallet: WALLET_A })
    // A lease id that names no accepted result: nothing is written, not even the verdict.
    const outcome = await store.recordVerdicts({
      jobId: a.jobId,
      verdicts: [valid(a.leaseId + 999)],
      split,
      suspendAfterInvalid: 2,
      now: 5,
    })
    expect(outcome.recorded).toBe(false)
    expect(entries()).toHaveLength(0)
    expect(() =>
      database.sqlite
        .prepare(`INSERT INTO ledger_entries (account, role, bucket, amount, job_id, lease_id, signature,
          decision, reason, day, created_at) VALUES ('x', 'worker', 'verified', 1, ?, 424242, '0x', 'valid', 'forged', '2026-01-01', 1)`)
        .run(a.jobId),
    ).toThrow(/FOREIGN KEY/)
  })

  test('behavior: invalid results earn nothing; the second suspends and reverses pending credit', async () => {
    const unchecked = await answered({ price: 1000n, wallet: WALLET_B })
    await store.recordVerdicts({
      jobId: unchecked.jobId,
      verdicts: [
        {
          leaseId: unchecked.leaseId,
          decision: 'unchecked',
          method: 'sampling',
          detail: 'not sampled',
        },
      ],
      final: 'unchecked',
      split,
      suspendAfterInvalid: 2,
      now: 5,
    })
    expect(readLedgerSummary(database.sqlite, { account: WALLET_B }).balances).toEqual({
      verified: '0',
      pending: '700',
    })
    const bad1 = await answered({ price: 1000n, wallet: WALLET_B })
    const bad2 = await answered({ price: 1000n, wallet: WALLET_B })
    const invalid = (leaseId: number) => ({
      leaseId,
      decision: 'invalid' as const,
      method: 'spot-check' as const,
      detail: 'output: 1 of 1 elements outside atol',
    })
    const first = await store.recordVerdicts({
      jobId: bad1.jobId,
      verdicts: [invalid(bad1.leaseId)],
      split,
      suspendAfterInvalid: 2,
      now: 6,
    })
    expect(first.suspended).toEqual([])
    const second = await store.recordVerdicts({
      jobId: bad2.jobId,
      verdicts: [invalid(bad2.leaseId)],
      split,
      suspendAfterInvalid: 2,
      now: 7,
    })
    expect(second.suspended.map((s) => s.identity)).toEqual([WALLET_B])
    expect(second.suspended[0]?.reason).toMatch(
      /^Suspended: 2 results failed verification .*operator/,
    )
    const summary = readLedgerSummary(database.sqlite, { account: WALLET_B })
    expect(summary.balances).toEqual({ verified: '0', pending: '0' })
    expect(summary.standing).toMatchObject({ invalid: 2, validStreak: 0 })
    expect(summary.standing?.suspendReason).toContain('Suspended')
    // The reversal links the entry it reverses; held-back credit of a suspended wallet never releases.
    expect(entries().filter((r) => r.reverses !== null)).toHaveLength(2)
    expect(await store.releaseHeldBack(Number.MAX_SAFE_INTEGER, 10)).toBe(0)
  })

  test('behavior: held-back credit is released once after the holdback, never twice', async () => {
    const a = await answered({ price: 1000n, wallet: WALLET_A })
    await store.recordVerdicts({
      jobId: a.jobId,
      verdicts: [
        { leaseId: a.leaseId, decision: 'unchecked', method: 'sampling', detail: 'not sampled' },
      ],
      split,
      suspendAfterInvalid: 2,
      now: 100,
    })
    expect(await store.releaseHeldBack(100, 150)).toBe(0) // not older than the cut-off yet
    expect(await store.releaseHeldBack(101, 200)).toBe(2) // worker and network entries
    expect(await store.releaseHeldBack(101, 300)).toBe(0)
    expect(readLedgerSummary(database.sqlite, { account: WALLET_A }).balances).toEqual({
      verified: '700',
      pending: '0',
    })
    expect(readLedgerSummary(database.sqlite, { account: 'network' }).balances).toEqual({
      verified: '300',
      pending: '0',
    })
    const csv = ledgerCsv(database.sqlite, { account: WALLET_A }).trimEnd().split('\r\n')
    expect(csv).toHaveLength(4)
    expect(csv[0]).toMatch(/^entry_id,created_at,day,account,role,bucket,amount_micro,job_id/)
    expect(csv.slice(1).map((line) => line.split(',').slice(4, 7).join(','))).toEqual([
      'worker,pending,700',
      'worker,pending,-700',
      'worker,verified,700',
    ])
  })
})

describe('migration 5 on an existing database', () => {
  test('behavior: jobs completed before verification existed are not re-run at the first start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ig-ledger-upgrade-'))
    const { logger } = memoryLogger('silent')
    const { migrations } = await import('../../../src/gateway/storage/migrations.ts')
    try {
      const old = await openDatabase({
        dataDir: dir,
        logger,
        migrations: migrations.filter((m) => m.version < 5),
      })
      old.sqlite
        .prepare(
          `INSERT INTO jobs (id, requester, model_id, input_hash, output_names, axes, priority,
             redundancy, max_attempts, state, results, created_at, finished_at)
           VALUES ('old-job', 'r', '0x', '0x', '[]', '{}', 0, 1, 3, 'completed', 1, 5, 9)`,
        )
        .run()
      await old.close()
      const upgraded = await openDatabase({ dataDir: dir, logger })
      try {
        const upgradedStore = createSqliteVerificationStore(upgraded.sqlite)
        expect(await upgradedStore.listUnverified()).toEqual([])
        const job = await createSqliteJobStore(upgraded.sqlite).getJob('old-job')
        expect(job).toMatchObject({
          verification: 'unchecked',
          verifiedAt: 9,
          price: 0n,
          requestedRedundancy: 1,
        })
      } finally {
        await upgraded.close()
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('replicas', () => {
  test('behavior: one peer cannot hold two replicas of a job under two wallets', async () => {
    await jobs.insertJobs([
      {
        id: 'k2',
        requester: 'r',
        modelId: `0x${'11'.repeat(32)}` as Hex,
        inputs: new Uint8Array([1]),
        inputHash: `0x${'22'.repeat(32)}` as Hex,
        outputNames: ['y'],
        axes: {},
        priority: 0,
        redundancy: 2,
        maxAttempts: 3,
        createdAt: 1,
      },
    ])
    for (const [sessionId, peerId, wallet] of [
      ['s1', 'p1', WALLET_A],
      ['s2', 'p1', WALLET_B],
      ['s3', 'p2', WALLET_B],
    ] as const)
      await jobs.recordSession({
        sessionId,
        peerId,
        wallet,
        sessionKey: '0x01',
        keyType: 'Ed25519',
        clientVersion: 't',
        connectedAt: 1,
      })
    const lease = (sessionId: string, peerId: string, wallet: Address) =>
      jobs.createLease('k2', { sessionId, peerId, identity: wallet, wallet }, 1, 60_000)
    expect(await lease('s1', 'p1', WALLET_A)).toBeDefined()
    expect(await lease('s2', 'p1', WALLET_B)).toBeUndefined()
    expect(await lease('s3', 'p2', WALLET_B)).toBeDefined()
  })
})
