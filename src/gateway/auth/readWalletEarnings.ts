import type { Database } from 'better-sqlite3'
import type { Address } from 'viem'

export type WalletEarnings = {
  wallet: Address
  /** What the numbers are: counts of verified results, not amounts (the ledger is issue 6). */
  basis: 'verified-results'
  note: string
  verifiedResults: number
  inferenceMs: number
  byModel: { modelId: string; verifiedResults: number; inferenceMs: number }[]
  /** The newest results (private detail: job ids, timings, the session key that signed). */
  recentResults: {
    jobId: string
    modelId: string
    backend: string
    inferenceMs: number
    totalMs: number
    receivedAt: string
    sessionKey: string
  }[]
  recentSessions: {
    connectedAt: string
    disconnectedAt: string | null
    endCode: string | null
    keyType: string
  }[]
}

export type ReadWalletEarningsParameters = { wallet: Address; limit?: number | undefined }

const NOTE =
  'Counts of results this gateway verified and recorded for the wallet. No amounts yet: credits and payouts come with the ledger.'

/**
 * A wallet's earnings as far as the gateway records them today: the verified results its
 * delegated session keys delivered (job_results rows under the wallet), per model, and the newest
 * results and sessions. Only the signed-in wallet may read this (registerAuthRoutes).
 */
export function readWalletEarnings(
  db: Database,
  { wallet, limit = 50 }: ReadWalletEarningsParameters,
): WalletEarnings {
  const totals = db
    .prepare<[string], { n: number; us: number | null }>(
      'SELECT count(*) AS n, sum(inference_us) AS us FROM job_results WHERE wallet = ?',
    )
    .get(wallet)
  const byModel = db
    .prepare<[string], { model_id: string; n: number; us: number | null }>(`
      SELECT j.model_id, count(*) AS n, sum(r.inference_us) AS us
      FROM job_results r JOIN jobs j ON j.id = r.job_id
      WHERE r.wallet = ? GROUP BY j.model_id ORDER BY n DESC`)
    .all(wallet)
  const recent = db
    .prepare<
      [string, number],
      {
        job_id: string
        model_id: string
        backend: string
        inference_us: number
        total_us: number
        received_at: number
        session_key: string
      }
    >(`
      SELECT r.job_id, j.model_id, r.backend, r.inference_us, r.total_us, r.received_at, r.session_key
      FROM job_results r JOIN jobs j ON j.id = r.job_id
      WHERE r.wallet = ? ORDER BY r.received_at DESC LIMIT ?`)
    .all(wallet, limit)
  const sessions = db
    .prepare<
      [string, number],
      {
        connected_at: number
        disconnected_at: number | null
        end_code: string | null
        key_type: string
      }
    >(`
      SELECT connected_at, disconnected_at, end_code, key_type FROM worker_sessions
      WHERE wallet = ? ORDER BY connected_at DESC LIMIT ?`)
    .all(wallet, limit)
  return {
    wallet,
    basis: 'verified-results',
    note: NOTE,
    verifiedResults: totals?.n ?? 0,
    inferenceMs: (totals?.us ?? 0) / 1000,
    byModel: byModel.map((m) => ({
      modelId: m.model_id,
      verifiedResults: m.n,
      inferenceMs: (m.us ?? 0) / 1000,
    })),
    recentResults: recent.map((r) => ({
      jobId: r.job_id,
      modelId: r.model_id,
      backend: r.backend,
      inferenceMs: r.inference_us / 1000,
      totalMs: r.total_us / 1000,
      receivedAt: new Date(r.received_at).toISOString(),
      sessionKey: r.session_key,
    })),
    recentSessions: sessions.map((s) => ({
      connectedAt: new Date(s.connected_at).toISOString(),
      disconnectedAt: s.disconnected_at === null ? null : new Date(s.disconnected_at).toISOString(),
      endCode: s.end_code,
      keyType: s.key_type,
    })),
  }
}
