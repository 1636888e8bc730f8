/**
 * What the rest of the gateway may ask of its database. Methods are async even though SQLite answers
 * synchronously, so that a PostgreSQL implementation (several gateways, one database) can slot in
 * behind the same interface later.
 */
export type GatewayDatabase = {
  readonly kind: 'sqlite'
  /** Where the data lives, for logs: a file path (or, later, a connection URL without secrets). */
  readonly location: string
  /** What opening the database did to its schema. */
  readonly migrated: MigrationSummary
  /** Resolves when the database answers a trivial query; rejects with DatabaseUnavailableError. */
  check(): Promise<void>
  schemaVersion(): Promise<number>
  getMeta(key: string): Promise<string | undefined>
  /** Stores `value` under `key` unless the key exists; returns what is stored either way. */
  ensureMeta(key: string, value: string): Promise<string>
  /** Flushes and closes; later calls do nothing. */
  close(): Promise<void>
}

export type MigrationSummary = {
  /** Schema version found when opening (0 for a new database). */
  from: number
  /** Schema version after migrating. */
  to: number
  /** Versions applied by this open, in order. */
  applied: readonly number[]
}
