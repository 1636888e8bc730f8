import type { Database } from 'better-sqlite3'
import type { Address } from 'viem'
import type { LedgerSummary } from '../../protocol/ledger/ledgerViews.ts'

export type { LedgerSummary }

export type ReadLedgerSummaryParameters = { account: Address | 'network'; days?: number }

/** A wallet's (or the network's) balances, per-day sums, standing and per-session verdicts. */
export function readLedgerSummary(
  db: Database,
  { account, days = 90 }: ReadLedgerSummaryParameters,
): LedgerSummary {
  const buckets = db
    .prepare<[string], { role: string; bucket: string; total: bigint }>(`
      SELECT role, bucket, sum(amount) AS total FROM ledger_entries WHERE account = ?
      GROUP BY role, bucket`)
    .safeIntegers(true)
    .all(account)
  const roles = new Map<string, { verified: bigint; pending: bigint }>()
  let verified = 0n
  let pending = 0n
  for (const row of buckets) {
    const entry = roles.get(row.role) ?? { verified: 0n, pending: 0n }
    const total = BigInt(row.total)
    if (row.bucket === 'verified') {
      entry.verified += total
      verified += total
    } else {
      entry.pending += total
      pending += total
    }
    roles.set(row.role, entry)
  }
  const dayRows = db
    .prepare<
      [{ account: string; days: number }],
      { day: string; bucket: string; total: bigint; n: bigint }
    >(`
      SELECT day, bucket, sum(amount) AS total, count(*) AS n FROM ledger_entries
      WHERE account = @account AND day IN (
        SELECT DISTINCT day FROM ledger_entries WHERE account = @account
        ORDER BY day DESC LIMIT @days)
      GROUP BY day, bucket ORDER BY day DESC`)
    .safeIntegers(true)
    .all({ account, days })
  const byDay = new Map<string, { verified: bigint; pending: bigint; entries: number }>()
  for (const row of dayRows) {
    const entry = byDay.get(row.day) ?? { verified: 0n, pending: 0n, entries: 0 }
    if (row.bucket === 'verified') entry.verified += BigInt(row.total)
    else entry.pending += BigInt(row.total)
    entry.entries += Number(row.n)
    byDay.set(row.day, entry)
  }
  const awaiting =
    account === 'network'
      ? 0
      : (db
          .prepare<[string], { n: number }>(`
            SELECT count(*) AS n FROM job_results r
            LEFT JOIN result_verdicts v ON v.lease_id = r.lease_id
            WHERE r.wallet = ? AND v.lease_id IS NULL`)
          .get(account)?.n ?? 0)
  const standing =
    account === 'network'
      ? undefined
      : db
          .prepare<
            [string],
            {
              valid_streak: number
              valid: number
              invalid: number
              unchecked: number
              suspended_at: number | null
              suspend_reason: string | null
            }
          >('SELECT * FROM worker_standing WHERE identity = ?')
          .get(account)
  const sessions =
    account === 'network'
      ? []
      : db
          .prepare<
            [string],
            {
              id: string
              connected_at: number
              valid: number
              invalid: number
              unchecked: number
            }
          >(`
            SELECT s.id, s.connected_at,
              count(CASE WHEN v.decision = 'valid' THEN 1 END) AS valid,
              count(CASE WHEN v.decision = 'invalid' THEN 1 END) AS invalid,
              count(CASE WHEN v.decision = 'unchecked' THEN 1 END) AS unchecked
            FROM worker_sessions s
            LEFT JOIN job_results r ON r.session_id = s.id
            LEFT JOIN result_verdicts v ON v.lease_id = r.lease_id
            WHERE s.wallet = ? GROUP BY s.id ORDER BY s.connected_at DESC LIMIT 50`)
          .all(account)
  return {
    account,
    balances: { verified: verified.toString(), pending: pending.toString() },
    byRole: [...roles].map(([role, sums]) => ({
      role,
      verified: sums.verified.toString(),
      pending: sums.pending.toString(),
    })),
    days: [...byDay].map(([day, sums]) => ({
      day,
      verified: sums.verified.toString(),
      pending: sums.pending.toString(),
      entries: sums.entries,
    })),
    awaitingVerification: awaiting,
    standing: standing
      ? {
          validStreak: standing.valid_streak,
          valid: standing.valid,
          invalid: standing.invalid,
          unchecked: standing.unchecked,
          suspendedAt:
            standing.suspended_at === null ? null : new Date(standing.suspended_at).toISOString(),
          suspendReason: standing.suspend_reason,
        }
      : null,
    sessions: sessions.map((s) => ({
      sessionId: s.id,
      connectedAt: new Date(s.connected_at).toISOString(),
      valid: s.valid,
      invalid: s.invalid,
      unchecked: s.unchecked,
    })),
  }
}
