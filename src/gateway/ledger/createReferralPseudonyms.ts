import { createHmac, randomBytes } from 'node:crypto'
import type { Database } from 'better-sqlite3'

const SALT_KEY = 'referral-source-salt'

/** Names a referred contributor to its partner without revealing who it is. */
export type ReferralPseudonyms = (identity: string) => string

/**
 * A partner sees which of its referred contributors earned it what, but not their wallet
 * addresses or peer ids: each worker identity is named by an HMAC under a secret this gateway
 * keeps in its database (`meta`), so the name is stable across restarts and pages, and a partner
 * cannot test a guessed wallet against it.
 */
export function createReferralPseudonyms(db: Database): ReferralPseudonyms {
  db.prepare('INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)').run(
    SALT_KEY,
    randomBytes(32).toString('hex'),
  )
  const salt = (
    db
      .prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?')
      .get(SALT_KEY) as { value: string }
  ).value
  return (identity) =>
    `contributor-${createHmac('sha256', salt).update(identity).digest('hex').slice(0, 10)}`
}
