import { randomBytes } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { Hex } from 'viem'

export type NonceCheck = 'ok' | 'unknown' | 'expired' | 'bound-to-another-key'

/**
 * Single-use nonces for wallet delegations. A browser asks for one (POST /v1/delegations/nonce)
 * before its wallet signs, so a delegation proves it was signed for this gateway, recently. The
 * first hello that presents a nonce binds it to its session key; later hellos may reuse it only
 * with that same key (a tab reconnecting after a network blip must not need a new wallet prompt),
 * and no other key can ever use it. Kept in SQLite so a gateway restart does not invalidate
 * delegations that browsers hold.
 */
export type DelegationNonces = {
  issue(now: number): Promise<{ nonce: Hex; expiresAt: number }>
  check(nonce: Hex, sessionKey: Hex, now: number): Promise<NonceCheck>
  /** Binds a nonce to the key whose delegation verified, until the delegation expires. */
  bind(nonce: Hex, sessionKey: Hex, validUntil: number): Promise<void>
}

export type CreateSqliteDelegationNoncesParameters = {
  db: Database
  /** How long an issued nonce may wait for its first use. Default 10 minutes. */
  ttlMs?: number | undefined
}

export function createSqliteDelegationNonces({
  db,
  ttlMs = 10 * 60_000,
}: CreateSqliteDelegationNoncesParameters): DelegationNonces {
  const insert = db.prepare<[string, number, number]>(
    'INSERT INTO delegation_nonces (nonce, issued_at, expires_at) VALUES (?, ?, ?)',
  )
  const prune = db.prepare<[number]>('DELETE FROM delegation_nonces WHERE expires_at < ?')
  const select = db.prepare<[string], { expires_at: number; session_key: string | null }>(
    'SELECT expires_at, session_key FROM delegation_nonces WHERE nonce = ?',
  )
  const bind = db.prepare<[string, number, string]>(`
    UPDATE delegation_nonces SET session_key = ?, expires_at = max(expires_at, ?)
    WHERE nonce = ? AND session_key IS NULL`)
  let issuedSincePrune = 0

  return {
    async issue(now) {
      // Pruning now and then keeps the table at about the nonces of live delegations.
      if (++issuedSincePrune >= 1000) {
        issuedSincePrune = 0
        prune.run(now)
      }
      const nonce: Hex = `0x${randomBytes(32).toString('hex')}`
      const expiresAt = now + ttlMs
      insert.run(nonce, now, expiresAt)
      return { nonce, expiresAt }
    },

    async check(nonce, sessionKey, now) {
      const row = select.get(nonce.toLowerCase())
      if (!row) return 'unknown'
      if (row.session_key !== null)
        return row.session_key === sessionKey.toLowerCase() ? 'ok' : 'bound-to-another-key'
      return row.expires_at < now ? 'expired' : 'ok'
    },

    async bind(nonce, sessionKey, validUntil) {
      bind.run(sessionKey.toLowerCase(), validUntil, nonce.toLowerCase())
    },
  }
}
