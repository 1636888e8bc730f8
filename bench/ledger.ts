/**
 * `npm run bench -- ledger`: how long the dashboard's ledger reads take on one SQLite file as a
 * wallet's ledger grows (10,000 and 100,000 results: a worker entry each for the wallet and a
 * partner entry each for its partner, over 90 days, half verified, half pending). Rows are
 * written straight into the real schema (migrations), the reads are the routes' own functions.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createReferralPseudonyms } from '../src/gateway/ledger/createReferralPseudonyms.ts'
import { ledgerCsv } from '../src/gateway/ledger/ledgerCsv.ts'
import { parseLedgerEntryQuery } from '../src/gateway/ledger/parseLedgerEntryQuery.ts'
import { readLedgerEntries } from '../src/gateway/ledger/readLedgerEntries.ts'
import { readLedgerSummary } from '../src/gateway/ledger/readLedgerSummary.ts'
import { readReferrals } from '../src/gateway/ledger/readReferrals.ts'
import { openDatabase } from '../src/gateway/storage/openDatabase.ts'
import { memoryLogger } from '../test/gateway/memoryLogger.ts'
import { measure, table } from './measure.ts'

const WALLET = '0x1111111111111111111111111111111111111111'
const PARTNER = '0x2222222222222222222222222222222222222222'
const MODELS = [`0x${'a'.repeat(64)}`, `0x${'b'.repeat(64)}`]
const DAY_MS = 86_400_000

export async function runLedgerBench(): Promise<string> {
  const rows: string[][] = []
  for (const results of [10_000, 100_000]) rows.push(...(await benchSize(results)))
  return [
    '## Ledger reads (the dashboard), one wallet and its partner, SQLite',
    '',
    table(['results', 'read', 'median ms', 'p99 ms', 'runs'], rows),
  ].join('\n')
}

async function benchSize(results: number): Promise<string[][]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'grid-bench-ledger-'))
  const { logger } = memoryLogger('warn')
  const database = await openDatabase({ dataDir, logger })
  const db = database.sqlite
  try {
    fill(db, results)
    const pseudonyms = createReferralPseudonyms(db)
    const components = { db, pseudonyms }
    const query = (q: Record<string, string>) => parseLedgerEntryQuery({ query: q })
    const middle = String(results)
    const cases: [string, () => unknown, number][] = [
      [
        'entries, first page of 50 (with totals)',
        () => readLedgerEntries(components, { account: WALLET, query: query({}) }),
        20,
      ],
      [
        'for comparison: join, then sort whole rows',
        () =>
          db
            .prepare(`
              SELECT e.*, j.model_id, r.backend FROM ledger_entries e
              JOIN jobs j ON j.id = e.job_id JOIN job_results r ON r.lease_id = e.lease_id
              WHERE e.account = ? ORDER BY e.id DESC LIMIT 51`)
            .all(WALLET),
        20,
      ],
      [
        'entries, a page in the middle',
        () => readLedgerEntries(components, { account: WALLET, query: query({ cursor: middle }) }),
        20,
      ],
      [
        'entries, model + decision + 7 days',
        () =>
          readLedgerEntries(components, {
            account: WALLET,
            query: {
              limit: 50,
              modelId: MODELS[1],
              decision: 'unchecked',
              from: day(Date.now() - 7 * DAY_MS),
            },
          }),
        20,
      ],
      ['summary (GET /v1/ledger/:wallet)', () => readLedgerSummary(db, { account: WALLET }), 10],
      ['referrals of the partner', () => readReferrals(components, { account: PARTNER }), 10],
      ['entries.csv, every entry', () => ledgerCsv(db, { account: WALLET }), 3],
    ]
    const out: string[][] = []
    const run = async (label: string, [name, fn, minRuns]: [string, () => unknown, number]) => {
      const sample = await measure(fn, { warmup: 1, minRuns, minMs: 200, maxRuns: 200 })
      out.push([
        results.toLocaleString('en-US'),
        `${name}${label}`,
        sample.median.toFixed(2),
        sample.p99.toFixed(2),
        String(sample.runs),
      ])
    }
    for (const entry of cases) await run('', entry)
    // Side by side in this run: the entries pages without migration 6's (account, id) index.
    db.exec('DROP INDEX ledger_account_id')
    for (const entry of cases.filter(([name]) => name.startsWith('entries,')))
      await run(' [without the (account, id) index]', entry)
    return out
  } finally {
    await database.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10)
}

export function fill(db: import('better-sqlite3').Database, results: number): void {
  const now = Date.now()
  const insertSession = db.prepare(`
    INSERT INTO worker_sessions (id, peer_id, wallet, partner, session_key, key_type,
      client_version, connected_at) VALUES ('s1', 'peer', ?, ?, 'key', 'P-256', 'bench', ?)`)
  const insertJob = db.prepare(`
    INSERT INTO jobs (seq, id, requester, model_id, input_hash, output_names, axes, priority,
      redundancy, max_attempts, state, results, created_at, finished_at, price, verification,
      verified_at)
    VALUES (@seq, @id, 'bench', @model, '0x', '[]', '{}', 0, 1, 1, 'completed', 1, @t, @t, 1000,
      'spot-checked', @t)`)
  const insertLease = db.prepare(`
    INSERT INTO job_leases (id, job_id, attempt, session_id, worker_peer, worker_identity, wallet,
      state, leased_at, deadline, ended_at)
    VALUES (@seq, @id, 1, 's1', 'peer', @wallet, @wallet, 'completed', @t, @t, @t)`)
  const insertResult = db.prepare(`
    INSERT INTO job_results (lease_id, job_id, session_id, worker_peer, worker_identity, wallet,
      partner, session_key, key_type, backend, outputs, output_hash, signature, inference_us,
      total_us, received_at)
    VALUES (@seq, @id, 's1', 'peer', @wallet, @wallet, @partner, 'key', 'P-256', 'wasm', x'',
      '0x', @signature, 800, 2000, @t)`)
  const insertEntry = db.prepare(`
    INSERT INTO ledger_entries (account, role, bucket, amount, job_id, lease_id, signature,
      decision, reason, day, created_at)
    VALUES (@account, @role, @bucket, @amount, @id, @seq, @signature, @decision, 'bench', @day, @t)`)
  db.transaction(() => {
    insertSession.run(WALLET, PARTNER, now - 90 * DAY_MS)
    for (let seq = 1; seq <= results; seq++) {
      const t = now - 90 * DAY_MS + Math.floor((seq / results) * 90 * DAY_MS)
      const id = `job-${seq}`
      const verified = seq % 2 === 0
      const common = {
        seq,
        id,
        t,
        wallet: WALLET,
        partner: PARTNER,
        signature: `0x${seq.toString(16).padStart(128, '0')}`,
        model: MODELS[seq % 2],
      }
      insertJob.run(common)
      insertLease.run(common)
      insertResult.run(common)
      for (const [account, role, amount] of [
        [WALLET, 'worker', 700],
        [PARTNER, 'partner', 100],
      ] as const)
        insertEntry.run({
          ...common,
          account,
          role,
          amount,
          bucket: verified ? 'verified' : 'pending',
          decision: verified ? 'valid/spot-check' : 'unchecked/sampling',
          day: day(t),
        })
    }
  })()
}
