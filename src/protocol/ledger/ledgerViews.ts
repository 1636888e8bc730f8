/**
 * The ledger's HTTP answers (src/gateway/ledger), read by the earnings dashboard (src/ui/dashboard).
 * Amounts are integer micro-credits as decimal strings (integers beyond 2^53 survive JSON); one
 * credit is 1,000,000 micro-credits. Days are UTC `YYYY-MM-DD`.
 */
import type { Address } from 'viem'

/** `GET /v1/ledger/:wallet`: a wallet's (or the network's) balances, sums, standing, sessions. */
export type LedgerSummary = {
  account: Address | 'network'
  balances: { verified: string; pending: string }
  byRole: { role: string; verified: string; pending: string }[]
  /** Per UTC day the entries were written: the sums of that day's entries per bucket. */
  days: { day: string; verified: string; pending: string; entries: number }[]
  /** Results (worker role) still being verified: they have no entry yet. */
  awaitingVerification: number
  standing: {
    validStreak: number
    valid: number
    invalid: number
    unchecked: number
    suspendedAt: string | null
    /** A sentence for the dashboard when suspended. */
    suspendReason: string | null
  } | null
  /** Verdicts per worker session (a session key) of this wallet, newest sessions first. */
  sessions: {
    sessionId: string
    connectedAt: string
    valid: number
    invalid: number
    unchecked: number
  }[]
}

/** One ledger entry as the dashboard's receipts table shows it. */
export type LedgerEntryView = {
  id: string
  createdAt: string
  day: string
  role: string
  bucket: string
  /** Signed (a reversal is negative). */
  amount: string
  jobId: string
  modelId: string
  /** The model's name where this gateway still serves it. */
  modelName: string | null
  backend: string
  /** When the gateway accepted the result. */
  resultAt: string
  /** The verdict the entry rests on: valid or unchecked. */
  decision: string
  /** How it was reached: spot-check, redundancy, sampling, standing. */
  method: string
  /** The session key's signature over the result. */
  signature: string
  /** The entry this one reverses, if it is a reversal. */
  reverses: string | null
  reason: string
  /** Partner entries: the referred contributor, by pseudonym, and whether it had a wallet. */
  referral: { source: string; kind: 'wallet' | 'anonymous' } | null
}

/** `GET /v1/ledger/:wallet/entries`: one page, newest first. */
export type LedgerEntriesPage = {
  account: Address | 'network'
  entries: LedgerEntryView[]
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null
  /**
   * Entries matching the filter in all pages, and their signed sum; on the first page only (no
   * cursor), null on later ones: the totals read every matching entry, once per walk is enough.
   */
  matching: { entries: number; amount: string } | null
}

export type ReferralSource = {
  /** The referred contributor's pseudonym: stable, but not its wallet or peer id. */
  source: string
  kind: 'wallet' | 'anonymous'
  /** Worker sessions (tab visits) of this contributor that earned the partner something. */
  sessions: number
  /** Results that credited the partner. */
  results: number
  verified: string
  pending: string
  firstDay: string
  lastDay: string
}

/** `GET /v1/ledger/:wallet/referrals`: what a partner earned through its widget. */
export type ReferralsView = {
  account: Address
  totals: { verified: string; pending: string; results: number; sources: number }
  /** Per UTC day, newest first; `results`: results with a partner entry written that day. */
  days: { day: string; verified: string; pending: string; results: number }[]
  /** Per referred contributor, the most earning first. */
  sources: ReferralSource[]
}
