import type { Database } from 'better-sqlite3'
import type { Address } from 'viem'
import type { ReferralsView } from '../../protocol/ledger/ledgerViews.ts'
import type { ReferralPseudonyms } from './createReferralPseudonyms.ts'

export type ReadReferralsReturnType = ReferralsView

export type ReadReferralsComponents = { db: Database; pseudonyms: ReferralPseudonyms }

/**
 * What a partner earned through its widget (the `partner` role's entries), per day and per
 * referred contributor. The ledger links each partner entry to the result that earned it, and the
 * result to the worker identity (a wallet, or an anonymous peer) and its session: that is all the
 * gateway knows of a referral. The site a visitor came from is not recorded, so it is not shown.
 */
export function readReferrals(
  { db, pseudonyms }: ReadReferralsComponents,
  { account, days = 90 }: { account: Address; days?: number },
): ReadReferralsReturnType {
  const dayRows = db
    .prepare<
      [{ account: string; days: number }],
      { day: string; verified: bigint; pending: bigint; results: bigint }
    >(`
      SELECT day,
        coalesce(sum(CASE WHEN bucket = 'verified' THEN amount END), 0) AS verified,
        coalesce(sum(CASE WHEN bucket = 'pending' THEN amount END), 0) AS pending,
        count(DISTINCT lease_id) AS results
      FROM ledger_entries WHERE account = @account AND role = 'partner'
      GROUP BY day ORDER BY day DESC LIMIT @days`)
    .safeIntegers(true)
    .all({ account, days })
  const sourceRows = db
    .prepare<
      [string],
      {
        identity: string
        anonymous: bigint
        verified: bigint
        pending: bigint
        results: bigint
        sessions: bigint
        first_day: string
        last_day: string
      }
    >(`
      SELECT r.worker_identity AS identity, max(r.wallet IS NULL) AS anonymous,
        coalesce(sum(CASE WHEN e.bucket = 'verified' THEN e.amount END), 0) AS verified,
        coalesce(sum(CASE WHEN e.bucket = 'pending' THEN e.amount END), 0) AS pending,
        count(DISTINCT e.lease_id) AS results, count(DISTINCT r.session_id) AS sessions,
        min(e.day) AS first_day, max(e.day) AS last_day
      FROM ledger_entries e JOIN job_results r ON r.lease_id = e.lease_id
      WHERE e.account = ? AND e.role = 'partner'
      GROUP BY r.worker_identity`)
    .safeIntegers(true)
    .all(account)
  const sources = sourceRows
    .map((row) => ({
      source: pseudonyms(row.identity),
      kind: row.anonymous ? ('anonymous' as const) : ('wallet' as const),
      sessions: Number(row.sessions),
      results: Number(row.results),
      verified: String(row.verified),
      pending: String(row.pending),
      firstDay: row.first_day,
      lastDay: row.last_day,
      total: BigInt(row.verified) + BigInt(row.pending),
    }))
    .sort((a, b) =>
      a.total === b.total ? a.source.localeCompare(b.source) : a.total > b.total ? -1 : 1,
    )
    .map(({ total: _total, ...source }) => source)
  let verified = 0n
  let pending = 0n
  let results = 0
  for (const row of sourceRows) {
    verified += BigInt(row.verified)
    pending += BigInt(row.pending)
    results += Number(row.results)
  }
  return {
    account,
    totals: {
      verified: String(verified),
      pending: String(pending),
      results,
      sources: sources.length,
    },
    days: dayRows.map((row) => ({
      day: row.day,
      verified: String(row.verified),
      pending: String(row.pending),
      results: Number(row.results),
    })),
    sources,
  }
}
