/**
 * The schema's history. Append a migration for every change; never edit, rename or reorder one
 * that has shipped (the runner refuses a database whose recorded names differ from these).
 * Each runs in its own transaction, so keep statements transactional (no PRAGMA, no VACUUM).
 */
export type Migration = {
  /** 1, 2, 3, ... with no gaps. */
  version: number
  name: string
  up: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'meta',
    up: `
      CREATE TABLE meta (
        key TEXT PRIMARY KEY NOT NULL,
        value TEXT NOT NULL,
        created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
      ) STRICT;
    `,
  },
  {
    version: 2,
    name: 'models',
    // The model list (src/gateway/models). Manifest parts the registry derives at every start
    // (input/output specs, known answers) live in <dataDir>/models/known-answers, not here.
    up: `
      CREATE TABLE models (
        id TEXT PRIMARY KEY NOT NULL CHECK (length(id) = 66 AND id GLOB '0x*'),
        name TEXT NOT NULL UNIQUE,
        task TEXT NOT NULL,
        description TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size > 0),
        origin TEXT NOT NULL CHECK (origin IN ('builtin', 'operator')),
        file TEXT NOT NULL,
        source TEXT NOT NULL,
        comparison TEXT NOT NULL,
        assets TEXT,
        added_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'job-network',
    // Issue 4: API keys and their usage, the job queue, worker sessions, leases, results and
    // delegation nonces. Times are integer ms since the epoch; tensors are canonical tensor-map
    // bytes (src/protocol/hash), so stored inputs are exactly what input_hash covers.
    up: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY NOT NULL,
        name TEXT NOT NULL,
        key_hash TEXT NOT NULL UNIQUE,
        rate_per_second REAL NOT NULL CHECK (rate_per_second > 0),
        burst INTEGER NOT NULL CHECK (burst >= 1),
        daily_job_quota INTEGER CHECK (daily_job_quota IS NULL OR daily_job_quota >= 0),
        created_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;

      CREATE TABLE api_key_usage (
        key_id TEXT NOT NULL,
        day TEXT NOT NULL,
        jobs INTEGER NOT NULL,
        PRIMARY KEY (key_id, day)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE jobs (
        seq INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        requester TEXT NOT NULL,
        model_id TEXT NOT NULL,
        input_hash TEXT NOT NULL,
        output_names TEXT NOT NULL,
        axes TEXT NOT NULL,
        priority INTEGER NOT NULL,
        redundancy INTEGER NOT NULL CHECK (redundancy >= 1),
        max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
        state TEXT NOT NULL CHECK (state IN ('queued', 'leased', 'completed', 'failed', 'cancelled')),
        active_leases INTEGER NOT NULL DEFAULT 0 CHECK (active_leases >= 0),
        results INTEGER NOT NULL DEFAULT 0 CHECK (results >= 0),
        leases_issued INTEGER NOT NULL DEFAULT 0,
        failures INTEGER NOT NULL DEFAULT 0,
        failure_code TEXT,
        failure_message TEXT,
        created_at INTEGER NOT NULL,
        finished_at INTEGER,
        CHECK (active_leases + results <= redundancy)
      ) STRICT;
      CREATE INDEX jobs_open ON jobs (state) WHERE state IN ('queued', 'leased');
      -- Inputs apart from the job row: an UPDATE rewrites the whole row, and a job's state changes
      -- several times while its inputs (up to 16 MiB) never do.
      CREATE TABLE job_inputs (
        seq INTEGER PRIMARY KEY REFERENCES jobs (seq),
        inputs BLOB NOT NULL
      ) STRICT;
      CREATE INDEX jobs_requester ON jobs (requester, seq);

      CREATE TABLE worker_sessions (
        id TEXT PRIMARY KEY NOT NULL,
        peer_id TEXT NOT NULL,
        wallet TEXT,
        partner TEXT,
        session_key TEXT NOT NULL,
        key_type TEXT NOT NULL,
        delegation TEXT,
        client_version TEXT NOT NULL,
        connected_at INTEGER NOT NULL,
        disconnected_at INTEGER,
        end_code TEXT
      ) STRICT;

      CREATE TABLE job_leases (
        id INTEGER PRIMARY KEY,
        job_id TEXT NOT NULL REFERENCES jobs (id),
        attempt INTEGER NOT NULL,
        session_id TEXT NOT NULL REFERENCES worker_sessions (id),
        worker_peer TEXT NOT NULL,
        worker_identity TEXT NOT NULL,
        wallet TEXT,
        state TEXT NOT NULL
          CHECK (state IN ('active', 'completed', 'expired', 'failed', 'released', 'cancelled')),
        leased_at INTEGER NOT NULL,
        deadline INTEGER NOT NULL,
        ended_at INTEGER,
        end_code TEXT
      ) STRICT;
      CREATE INDEX job_leases_job ON job_leases (job_id);
      CREATE INDEX job_leases_active ON job_leases (state) WHERE state = 'active';
      -- Replicas of one job go to distinct wallets (anonymous workers: distinct peers).
      CREATE UNIQUE INDEX job_leases_distinct_worker ON job_leases (job_id, worker_identity)
        WHERE state IN ('active', 'completed');

      CREATE TABLE job_results (
        lease_id INTEGER PRIMARY KEY REFERENCES job_leases (id),
        job_id TEXT NOT NULL REFERENCES jobs (id),
        session_id TEXT NOT NULL REFERENCES worker_sessions (id),
        worker_peer TEXT NOT NULL,
        worker_identity TEXT NOT NULL,
        wallet TEXT,
        partner TEXT,
        session_key TEXT NOT NULL,
        key_type TEXT NOT NULL,
        backend TEXT NOT NULL,
        outputs BLOB NOT NULL,
        output_hash TEXT NOT NULL,
        signature TEXT NOT NULL,
        inference_us INTEGER NOT NULL,
        total_us INTEGER NOT NULL,
        queue_us INTEGER,
        received_at INTEGER NOT NULL,
        UNIQUE (job_id, worker_identity)
      ) STRICT;

      CREATE TABLE delegation_nonces (
        nonce TEXT PRIMARY KEY NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        session_key TEXT
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'wallet-sign-in',
    // Issue 5: Sign-In with Ethereum for the dashboard API. Nonces are single-use (deleted when
    // presented); sessions are stored by the sha256 of the cookie's token, never the token itself.
    // The wallet index serves the signed-in wallet's earnings.
    up: `
      CREATE TABLE siwe_nonces (
        nonce TEXT PRIMARY KEY NOT NULL,
        issued_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE siwe_sessions (
        token_hash TEXT PRIMARY KEY NOT NULL,
        wallet TEXT NOT NULL,
        chain_id INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX siwe_sessions_expiry ON siwe_sessions (expires_at);

      CREATE INDEX job_results_wallet ON job_results (wallet, received_at) WHERE wallet IS NOT NULL;
      CREATE INDEX worker_sessions_wallet ON worker_sessions (wallet, connected_at)
        WHERE wallet IS NOT NULL;
    `,
  },
  {
    version: 5,
    name: 'verification-ledger',
    // Issue 6: verification decisions per result, spot-check re-runs, standing per worker
    // identity, and the append-only ledger in integer micro-credits. Ledger rows are never updated
    // or deleted (triggers refuse it); a correction is a new row that `reverses` another, at most
    // once. A result credits each role at most once per bucket (pending, verified).
    up: `
      ALTER TABLE jobs ADD COLUMN price INTEGER NOT NULL DEFAULT 0 CHECK (price >= 0);
      ALTER TABLE jobs ADD COLUMN requested_redundancy INTEGER;
      ALTER TABLE jobs ADD COLUMN verification TEXT
        CHECK (verification IS NULL OR verification IN ('unchecked', 'spot-checked', 'redundant', 'failed'));
      ALTER TABLE jobs ADD COLUMN verified_at INTEGER;
      CREATE INDEX jobs_unverified ON jobs (seq) WHERE state = 'completed' AND verified_at IS NULL;
      -- Jobs completed before verification existed had no price: they stay as they were
      -- (unchecked, no ledger entries) rather than being re-run at the first start.
      UPDATE jobs SET verification = 'unchecked', verified_at = coalesce(finished_at, created_at)
        WHERE state = 'completed';

      CREATE TABLE result_verdicts (
        lease_id INTEGER PRIMARY KEY REFERENCES job_results (lease_id),
        job_id TEXT NOT NULL REFERENCES jobs (id),
        identity TEXT NOT NULL,
        decision TEXT NOT NULL CHECK (decision IN ('valid', 'invalid', 'unchecked')),
        method TEXT NOT NULL CHECK (method IN ('redundancy', 'spot-check', 'sampling', 'standing')),
        detail TEXT NOT NULL,
        decided_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX result_verdicts_job ON result_verdicts (job_id);
      CREATE INDEX result_verdicts_identity ON result_verdicts (identity, decided_at);

      CREATE TABLE spot_checks (
        job_id TEXT PRIMARY KEY NOT NULL REFERENCES jobs (id),
        lease_id INTEGER NOT NULL REFERENCES job_results (lease_id),
        state TEXT NOT NULL CHECK (state IN ('queued', 'done')),
        created_at INTEGER NOT NULL,
        finished_at INTEGER,
        run_us INTEGER
      ) STRICT;
      CREATE INDEX spot_checks_queued ON spot_checks (created_at) WHERE state = 'queued';

      -- After a suspension, the identity's results accepted unchecked are re-run once each.
      CREATE TABLE result_rechecks (
        lease_id INTEGER PRIMARY KEY REFERENCES job_results (lease_id),
        job_id TEXT NOT NULL REFERENCES jobs (id),
        decision TEXT NOT NULL CHECK (decision IN ('valid', 'invalid')),
        detail TEXT NOT NULL,
        run_us INTEGER,
        decided_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE worker_standing (
        identity TEXT PRIMARY KEY NOT NULL,
        wallet TEXT,
        valid_streak INTEGER NOT NULL DEFAULT 0,
        valid INTEGER NOT NULL DEFAULT 0,
        invalid INTEGER NOT NULL DEFAULT 0,
        unchecked INTEGER NOT NULL DEFAULT 0,
        last_invalid_at INTEGER,
        suspended_at INTEGER,
        suspend_reason TEXT,
        updated_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE ledger_entries (
        id INTEGER PRIMARY KEY,
        account TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('worker', 'partner', 'network')),
        bucket TEXT NOT NULL CHECK (bucket IN ('pending', 'verified')),
        amount INTEGER NOT NULL,
        job_id TEXT NOT NULL REFERENCES jobs (id),
        lease_id INTEGER NOT NULL REFERENCES job_results (lease_id),
        signature TEXT NOT NULL,
        decision TEXT NOT NULL,
        reverses INTEGER UNIQUE REFERENCES ledger_entries (id),
        reason TEXT NOT NULL,
        day TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        CHECK ((reverses IS NULL AND amount >= 0) OR (reverses IS NOT NULL AND amount <= 0))
      ) STRICT;
      CREATE UNIQUE INDEX ledger_once ON ledger_entries (lease_id, role, bucket)
        WHERE reverses IS NULL;
      CREATE INDEX ledger_account ON ledger_entries (account, day);
      CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger_entries
        BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
      CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger_entries
        BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
    `,
  },
  {
    version: 6,
    name: 'ledger-account-order',
    // The dashboard's receipts pages walk one account's entries by id (newest first, cursor =
    // id): without this index SQLite scans the account's (account, day) entries and sorts them
    // (25 ms a page at 100,000 results; npm run bench -- ledger compares both).
    up: `
      CREATE INDEX ledger_account_id ON ledger_entries (account, id);
    `,
  },
]
