import type { Database } from 'better-sqlite3'
import type { Address } from 'viem'
import type { LedgerEntriesPage, LedgerEntryView } from '../../protocol/ledger/ledgerViews.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'
import type { ReferralPseudonyms } from './createReferralPseudonyms.ts'
import { ledgerEntryFilterSql } from './ledgerEntryFilterSql.ts'
import type { LedgerEntryQuery } from './parseLedgerEntryQuery.ts'

export type { LedgerEntryView }

export type ReadLedgerEntriesParameters = {
  account: Address | 'network'
  query: LedgerEntryQuery
}

export type ReadLedgerEntriesReturnType = LedgerEntriesPage

type Row = {
  id: bigint
  created_at: bigint
  day: string
  role: string
  bucket: string
  amount: bigint
  job_id: string
  lease_id: bigint
  signature: string
  decision: string
  reverses: bigint | null
  reason: string
  model_id: string
  backend: string
  received_at: bigint
  worker_identity: string
  result_wallet: string | null
}

export type ReadLedgerEntriesComponents = {
  db: Database
  catalog?: Pick<ModelCatalog, 'getManifest'> | undefined
  pseudonyms: ReferralPseudonyms
}

/**
 * A page of an account's ledger entries, newest first, with the job's model and the result's
 * backend. Paging is by entry id (keyset): entries are append-only and ids only grow, so walking
 * `nextCursor` visits every entry that existed when the walk began exactly once, whatever is
 * appended meanwhile (new entries appear on a fresh first page).
 */
export function readLedgerEntries(
  components: ReadLedgerEntriesComponents,
  { account, query }: ReadLedgerEntriesParameters,
): ReadLedgerEntriesReturnType {
  const { db } = components
  const filter = ledgerEntryFilterSql(query)
  const where = `e.account = @account${filter.where}`
  // Only the ids are sorted (from the account index), then the page's rows, jobs and results
  // are read: sorting whole rows, or joining before the LIMIT, costs 10x more at 100k entries
  // (npm run bench -- ledger).
  const rows = db
    .prepare<[Record<string, string | number>], Row>(`
      SELECT p.*, j.model_id, r.backend, r.received_at, r.worker_identity,
             r.wallet AS result_wallet
      FROM ledger_entries p
      JOIN jobs j ON j.id = p.job_id
      JOIN job_results r ON r.lease_id = p.lease_id
      WHERE p.id IN (
        SELECT e.id FROM ledger_entries e
        WHERE ${where}${query.cursor !== undefined ? ' AND e.id < @cursor' : ''}
        ORDER BY e.id DESC LIMIT @limit)
      ORDER BY p.id DESC`)
    .safeIntegers(true)
    .all({
      ...filter.params,
      account,
      limit: query.limit + 1,
      ...(query.cursor !== undefined ? { cursor: query.cursor } : {}),
    })
  // The totals read every matching entry: once per walk, on its first page.
  const total =
    query.cursor === undefined
      ? db
          .prepare<[Record<string, string | number>], { n: bigint; amount: bigint | null }>(
            `SELECT count(*) AS n, sum(e.amount) AS amount FROM ledger_entries e WHERE ${where}`,
          )
          .safeIntegers(true)
          .get({ ...filter.params, account })
      : undefined
  const page = rows.slice(0, query.limit)
  const last = page.at(-1)
  return {
    account,
    entries: page.map((row) => toView(components, row)),
    nextCursor: rows.length > query.limit && last ? String(last.id) : null,
    matching: total ? { entries: Number(total.n), amount: String(total.amount ?? 0n) } : null,
  }
}

function toView(components: ReadLedgerEntriesComponents, row: Row): LedgerEntryView {
  const [decision = row.decision, method = ''] = row.decision.split('/')
  return {
    id: String(row.id),
    createdAt: new Date(Number(row.created_at)).toISOString(),
    day: row.day,
    role: row.role,
    bucket: row.bucket,
    amount: String(row.amount),
    jobId: row.job_id,
    modelId: row.model_id,
    modelName: components.catalog?.getManifest(row.model_id)?.name ?? null,
    backend: row.backend,
    resultAt: new Date(Number(row.received_at)).toISOString(),
    decision,
    method,
    signature: row.signature,
    reverses: row.reverses === null ? null : String(row.reverses),
    reason: row.reason,
    referral:
      row.role === 'partner'
        ? {
            source: components.pseudonyms(row.worker_identity),
            kind: row.result_wallet === null ? 'anonymous' : 'wallet',
          }
        : null,
  }
}
