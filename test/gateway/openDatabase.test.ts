import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import {
  DatabaseOpenError,
  DatabaseUnavailableError,
  MigrationFailedError,
  MigrationMismatchError,
  SchemaTooNewError,
} from '../../src/gateway/errors/storage.ts'
import { type Migration, migrations } from '../../src/gateway/storage/migrations.ts'
import { openDatabase } from '../../src/gateway/storage/openDatabase.ts'
import { memoryLogger } from './memoryLogger.ts'

let dataDir: string
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ig-storage-'))
})
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

const { logger } = memoryLogger('silent')
const file = () => path.join(dataDir, 'grid.sqlite')

const first: Migration = { version: 1, name: 'one', up: 'CREATE TABLE one (id INTEGER) STRICT' }
const second: Migration = { version: 2, name: 'two', up: 'CREATE TABLE two (id INTEGER) STRICT' }

/** Reads a file's schema with a separate connection, as an operator's sqlite3 shell would. */
function inspect(query: string): unknown[] {
  const db = new Database(file(), { readonly: true })
  try {
    return db.prepare(query).all()
  } finally {
    db.close()
  }
}

describe('openDatabase', () => {
  test('default: a new database gets every migration', async () => {
    const database = await openDatabase({ dataDir, logger })
    const all = migrations.map((m) => m.version)
    expect(database.migrated).toEqual({ from: 0, to: all.at(-1), applied: all })
    expect(await database.schemaVersion()).toBe(all.at(-1))
    expect(database.location).toBe(file())
    await database.close()

    const rows = inspect('SELECT version, name, applied_at FROM schema_migrations') as {
      version: number
      name: string
      applied_at: string
    }[]
    expect(rows.map(({ version, name }) => ({ version, name }))).toEqual(
      migrations.map(({ version, name }) => ({ version, name })),
    )
    for (const row of rows) expect(Date.parse(row.applied_at)).not.toBeNaN()
  })

  test('behavior: the connection runs in WAL with foreign keys on', async () => {
    const database = await openDatabase({ dataDir, logger, busyTimeoutMs: 1234 })
    const pragma = (name: string) => database.sqlite.pragma(name, { simple: true })
    expect(pragma('journal_mode')).toBe('wal')
    expect(pragma('foreign_keys')).toBe(1)
    expect(pragma('synchronous')).toBe(1) // NORMAL
    expect(pragma('busy_timeout')).toBe(1234)
    await database.close()
  })

  test('behavior: reopening applies nothing', async () => {
    await (await openDatabase({ dataDir, logger })).close()
    const database = await openDatabase({ dataDir, logger })
    const latest = migrations.at(-1)?.version
    expect(database.migrated).toEqual({ from: latest, to: latest, applied: [] })
    await database.close()
  })

  test('behavior: a newer gateway applies only the new migrations', async () => {
    await (await openDatabase({ dataDir, logger, migrations: [first] })).close()
    const database = await openDatabase({ dataDir, logger, migrations: [first, second] })
    expect(database.migrated).toEqual({ from: 1, to: 2, applied: [2] })
    await database.close()
  })

  test('behavior: creates a missing data directory with its parents', async () => {
    const nested = path.join(dataDir, 'a', 'b')
    const database = await openDatabase({ dataDir: nested, logger })
    expect(existsSync(path.join(nested, 'grid.sqlite'))).toBe(true)
    await database.close()
  })

  test('behavior: ensureMeta keeps the first value', async () => {
    const database = await openDatabase({ dataDir, logger })
    expect(await database.getMeta('gateway_id')).toBeUndefined()
    expect(await database.ensureMeta('gateway_id', 'first')).toBe('first')
    expect(await database.ensureMeta('gateway_id', 'second')).toBe('first')
    await database.close()
    const reopened = await openDatabase({ dataDir, logger })
    expect(await reopened.getMeta('gateway_id')).toBe('first')
    await reopened.close()
  })

  test('behavior: close checkpoints the WAL into the database file', async () => {
    const database = await openDatabase({ dataDir, logger })
    await database.ensureMeta('k', 'x'.repeat(100_000))
    expect(statSync(`${file()}-wal`).size).toBeGreaterThan(0)
    await database.close()
    await database.close() // idempotent
    const wal = `${file()}-wal`
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0)
    expect(inspect("SELECT length(value) AS n FROM meta WHERE key = 'k'")).toEqual([{ n: 100_000 }])
  })

  test('error: a database from the future is refused', async () => {
    await (await openDatabase({ dataDir, logger, migrations: [first, second] })).close()
    const error = await openDatabase({ dataDir, logger, migrations: [first] }).catch((e) => e)
    expect(error).toBeInstanceOf(SchemaTooNewError)
    expect(error.code).toBe('STORAGE_SCHEMA_TOO_NEW')
    expect(error.foundVersion).toBe(2)
    expect(error.supportedVersion).toBe(1)
    expect(error.message.replace(dataDir, '<dataDir>')).toMatchInlineSnapshot(`
      "The database at <dataDir>/grid.sqlite has schema version 2, newer than this gateway supports (1).

      Upgrade the gateway, or point --data-dir at another directory. Do not downgrade a data directory.

      Code: STORAGE_SCHEMA_TOO_NEW"
    `)
    expect(error.details).toEqual({ path: file(), foundVersion: 2, supportedVersion: 1 })
    // Refusing must not have touched the schema.
    expect(inspect('SELECT max(version) AS v FROM schema_migrations')).toEqual([{ v: 2 }])
  })

  test('error: a failing migration rolls back and keeps the ones before it', async () => {
    const broken: Migration = {
      version: 2,
      name: 'broken',
      up: 'CREATE TABLE half (id INTEGER); INSERT INTO missing_table VALUES (1);',
    }
    const error = await openDatabase({ dataDir, logger, migrations: [first, broken] }).catch(
      (e) => e,
    )
    expect(error).toBeInstanceOf(MigrationFailedError)
    expect(error.code).toBe('STORAGE_MIGRATION_FAILED')
    expect(error.version).toBe(2)
    expect(error.shortMessage).toMatchInlineSnapshot(
      `"Database migration 2 (broken) failed and was rolled back."`,
    )
    expect(error.details).toEqual({ version: 2, name: 'broken' })
    expect(error.cause.message).toContain('no such table: missing_table')

    const tables = inspect("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    expect(tables).toEqual([{ name: 'one' }, { name: 'schema_migrations' }])
    expect(inspect('SELECT version FROM schema_migrations')).toEqual([{ version: 1 }])

    // Fixed code then migrates from where it stopped.
    const database = await openDatabase({ dataDir, logger, migrations: [first, second] })
    expect(database.migrated).toEqual({ from: 1, to: 2, applied: [2] })
    await database.close()
  })

  test('error: a migration renamed after it shipped', async () => {
    await (await openDatabase({ dataDir, logger, migrations: [first] })).close()
    const error = await openDatabase({
      dataDir,
      logger,
      migrations: [{ ...first, name: 'renamed' }],
    }).catch((e) => e)
    expect(error).toBeInstanceOf(MigrationMismatchError)
    expect(error.code).toBe('STORAGE_MIGRATION_MISMATCH')
  })

  test('error: migrations with a gap in their versions', async () => {
    await expect(
      openDatabase({ dataDir, logger, migrations: [first, { ...second, version: 3 }] }),
    ).rejects.toThrow(/versions must be 1, 2, 3/)
  })

  test('error: a file that is not a database', async () => {
    writeFileSync(file(), 'this is not sqlite '.repeat(100))
    const error = await openDatabase({ dataDir, logger }).catch((e) => e)
    expect(error).toBeInstanceOf(DatabaseOpenError)
    expect(error.code).toBe('STORAGE_OPEN_FAILED')
    expect(error.cause.message).toMatch(/not a database/)
  })

  test('error: a data directory that cannot be created', async () => {
    const blocker = path.join(dataDir, 'blocker')
    writeFileSync(blocker, '')
    const error = await openDatabase({ dataDir: path.join(blocker, 'data'), logger }).catch(
      (e) => e,
    )
    expect(error).toBeInstanceOf(DatabaseOpenError)
    expect(error.shortMessage).toContain(path.join(blocker, 'data', 'grid.sqlite'))
  })

  test('error: a closed database fails its check', async () => {
    const database = await openDatabase({ dataDir, logger })
    await expect(database.check()).resolves.toBeUndefined()
    await database.close()
    const error = await database.check().catch((e) => e)
    expect(error).toBeInstanceOf(DatabaseUnavailableError)
    expect(error.code).toBe('STORAGE_UNAVAILABLE')
  })
})
