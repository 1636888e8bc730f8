import type { Database } from 'better-sqlite3'
import {
  MigrationFailedError,
  MigrationMismatchError,
  SchemaTooNewError,
} from '../errors/storage.ts'
import type { Logger } from '../logging/createLogger.ts'
import type { MigrationSummary } from './GatewayDatabase.ts'
import type { Migration } from './migrations.ts'

export type RunMigrationsParameters = {
  db: Database
  migrations: readonly Migration[]
  /** For error messages. */
  path: string
  logger?: Logger | undefined
}

export type RunMigrationsReturnType = MigrationSummary

export type RunMigrationsErrorType =
  | SchemaTooNewError
  | MigrationFailedError
  | MigrationMismatchError
  | TypeError

/**
 * Brings the schema up to the newest migration, one transaction per migration, recording each in
 * `schema_migrations`. Refuses a database migrated by newer code, and stops at the first migration
 * that fails (its changes are rolled back; the ones before it stay applied).
 */
export function runMigrations({
  db,
  migrations,
  path,
  logger,
}: RunMigrationsParameters): RunMigrationsReturnType {
  assertWellFormed(migrations)
  db.exec(`
    CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY NOT NULL,
      name TEXT NOT NULL,
      applied_at TEXT NOT NULL
    ) STRICT
  `)
  const selectApplied = db.prepare<[], { version: number; name: string }>(
    'SELECT version, name FROM schema_migrations ORDER BY version',
  )
  const insertApplied = db.prepare<[number, string, string]>(
    'INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)',
  )
  const latest = migrations.at(-1)?.version ?? 0

  const check = () => {
    const applied = selectApplied.all()
    const current = applied.at(-1)?.version ?? 0
    if (current > latest)
      throw new SchemaTooNewError({ path, foundVersion: current, supportedVersion: latest })
    for (const row of applied) {
      const known = migrations[row.version - 1]
      if (known && known.name !== row.name)
        throw new MigrationMismatchError({
          version: row.version,
          applied: row.name,
          known: known.name,
        })
    }
    return current
  }

  const from = check()
  const applied: number[] = []
  for (const migration of migrations) {
    if (migration.version <= from) continue
    const started = performance.now()
    // IMMEDIATE takes the write lock before reading the version, so two gateways opening the same
    // file at once cannot both apply a migration: the second waits, re-reads, and skips it.
    const apply = db.transaction(() => {
      if (check() >= migration.version) return false
      db.exec(migration.up)
      insertApplied.run(migration.version, migration.name, new Date().toISOString())
      return true
    })
    let didApply: boolean
    try {
      didApply = apply.immediate()
    } catch (error) {
      if (error instanceof SchemaTooNewError || error instanceof MigrationMismatchError) throw error
      throw new MigrationFailedError({
        version: migration.version,
        name: migration.name,
        cause: error,
      })
    }
    if (!didApply) continue
    applied.push(migration.version)
    logger?.info(
      {
        version: migration.version,
        migration: migration.name,
        durationMs: round(performance.now() - started),
      },
      'migration applied',
    )
  }
  return { from, to: Math.max(from, latest), applied }
}

function assertWellFormed(migrations: readonly Migration[]): void {
  migrations.forEach((migration, i) => {
    // Versions double as indexes (migration n sits at n - 1): a gap would silently skip one.
    if (migration.version !== i + 1)
      throw new TypeError(
        `Migration at index ${i} has version ${migration.version}; versions must be 1, 2, 3, ... in order.`,
      )
    if (!migration.name.trim()) throw new TypeError(`Migration ${migration.version} has no name.`)
  })
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}
