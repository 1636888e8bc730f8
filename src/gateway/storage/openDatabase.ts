import { mkdirSync } from 'node:fs'
import path from 'node:path'
import Database from 'better-sqlite3'
import { DatabaseOpenError, DatabaseUnavailableError } from '../errors/storage.ts'
import { type Logger, namespacedLogger } from '../logging/createLogger.ts'
import type { GatewayDatabase } from './GatewayDatabase.ts'
import { migrations as defaultMigrations, type Migration } from './migrations.ts'
import { type RunMigrationsErrorType, runMigrations } from './runMigrations.ts'

export type OpenDatabaseParameters = {
  /** Directory for grid.sqlite; created (with parents) if missing. */
  dataDir: string
  logger: Logger
  /** The schema history; the gateway's own by default. Tests pass their own. */
  migrations?: readonly Migration[] | undefined
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number | undefined
}

/** The SQLite implementation; `sqlite` is the raw handle for storage code inside src/gateway. */
export type SqliteGatewayDatabase = GatewayDatabase & { readonly sqlite: Database.Database }

export type OpenDatabaseReturnType = SqliteGatewayDatabase

export type OpenDatabaseErrorType = DatabaseOpenError | RunMigrationsErrorType

export const databaseFileName = 'grid.sqlite'

/**
 * Opens (creating if needed) `<dataDir>/grid.sqlite` and migrates it to the newest schema.
 * WAL lets HTTP reads proceed during writes; synchronous=NORMAL is durable across process crashes
 * in WAL mode (only an OS crash can lose the last commits), which is the usual trade for a ledger
 * that also keeps every decision re-derivable from signed results.
 */
export async function openDatabase({
  dataDir,
  logger: rootLogger,
  migrations = defaultMigrations,
  busyTimeoutMs = 5000,
}: OpenDatabaseParameters): Promise<OpenDatabaseReturnType> {
  const logger = namespacedLogger(rootLogger, 'gateway:storage')
  const file = path.join(dataDir, databaseFileName)
  let db: Database.Database
  try {
    mkdirSync(dataDir, { recursive: true })
    db = new Database(file, { timeout: busyTimeoutMs })
  } catch (error) {
    throw new DatabaseOpenError({ path: file, cause: error })
  }

  let migrated: GatewayDatabase['migrated']
  let journalMode: unknown
  try {
    journalMode = db.pragma('journal_mode = WAL', { simple: true })
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`)
    migrated = runMigrations({ db, migrations, path: file, logger })
  } catch (error) {
    db.close()
    // SQLITE_NOTADB and friends surface on the first statement, not in the constructor.
    if (
      error instanceof Error &&
      (error as { code?: unknown }).code?.toString().startsWith('SQLITE_')
    )
      throw new DatabaseOpenError({ path: file, cause: error })
    throw error
  }
  // WAL needs shared memory; some network filesystems refuse it and SQLite silently keeps DELETE.
  if (journalMode !== 'wal')
    logger.warn(
      { path: file, journalMode },
      'database is not in WAL mode; is it on a network drive?',
    )
  logger.info({ path: file, journalMode, ...migrated }, 'database opened')

  // Prepared on first use: a statement can only be prepared once its table exists, and tests
  // open databases with migration lists of their own.
  const selectOne = lazy(() => db.prepare('SELECT 1'))
  const selectVersion = lazy(() =>
    db.prepare<[], { version: number | null }>(
      'SELECT max(version) AS version FROM schema_migrations',
    ),
  )
  const selectMeta = lazy(() =>
    db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
  )
  const insertMeta = lazy(() =>
    db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    ),
  )

  const usable = () => {
    if (!db.open) throw new DatabaseUnavailableError()
  }

  return {
    kind: 'sqlite',
    location: file,
    migrated,
    sqlite: db,
    async check() {
      usable()
      try {
        selectOne().get()
      } catch (error) {
        throw new DatabaseUnavailableError({ cause: error })
      }
    },
    async schemaVersion() {
      usable()
      return selectVersion().get()?.version ?? 0
    },
    async getMeta(key) {
      usable()
      return selectMeta().get(key)?.value
    },
    async ensureMeta(key, value) {
      usable()
      insertMeta().run(key, value)
      return selectMeta().get(key)?.value ?? value
    },
    async close() {
      if (!db.open) return
      try {
        // Fold the WAL back into the main file so the directory holds one self-contained file,
        // and let SQLite refresh its query-planner statistics as its docs recommend before closing.
        db.pragma('wal_checkpoint(TRUNCATE)')
        db.pragma('optimize')
      } catch (error) {
        logger.warn({ err: error }, 'WAL checkpoint before close failed')
      }
      db.close()
      logger.info({ path: file }, 'database closed')
    },
  }
}

function lazy<T>(create: () => T): () => T {
  let value: T | undefined
  return () => {
    value ??= create()
    return value
  }
}
