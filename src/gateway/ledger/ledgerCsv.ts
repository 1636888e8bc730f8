import type { Database } from 'better-sqlite3'
import { ledgerEntryFilterSql } from './ledgerEntryFilterSql.ts'
import type { LedgerEntryFilter } from './parseLedgerEntryQuery.ts'

export const LEDGER_CSV_HEADER =
  'entry_id,created_at,day,account,role,bucket,amount_micro,job_id,result_lease_id,signature,decision,reverses_entry_id,reason'

export type LedgerCsvParameters = {
  account: string
  /** The same filters as the JSON list (GET /v1/ledger/:wallet/entries); default: every entry. */
  filter?: LedgerEntryFilter | undefined
}

/**
 * The ledger entries of an account (all, or those the filter selects) as CSV (RFC 4180: CRLF lines, quoted fields where needed),
 * oldest first, one line per entry, amounts as signed integer micro-credits. Read in one
 * statement (better-sqlite3 cannot interleave other queries with an open iterator).
 */
export function ledgerCsv(db: Database, { account, filter = {} }: LedgerCsvParameters): string {
  const lines = [LEDGER_CSV_HEADER]
  const sql = ledgerEntryFilterSql(filter)
  const rows = db
    .prepare<
      [Record<string, string | number>],
      {
        id: bigint
        created_at: bigint
        day: string
        account: string
        role: string
        bucket: string
        amount: bigint
        job_id: string
        lease_id: bigint
        signature: string
        decision: string
        reverses: bigint | null
        reason: string
      }
    >(`
      SELECT e.* FROM ledger_entries e
      WHERE e.account = @account${sql.where} ORDER BY e.id`)
    .safeIntegers(true)
    .all({ ...sql.params, account })
  for (const row of rows) {
    lines.push(
      [
        row.id,
        new Date(Number(row.created_at)).toISOString(),
        row.day,
        row.account,
        row.role,
        row.bucket,
        row.amount,
        row.job_id,
        row.lease_id,
        row.signature,
        row.decision,
        row.reverses ?? '',
        row.reason,
      ]
        .map((value) => csvField(String(value)))
        .join(','),
    )
  }
  return `${lines.join('\r\n')}\r\n`
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}
