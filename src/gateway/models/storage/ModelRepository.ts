import type { ModelRecord } from './ModelRecord.ts'

/**
 * Where the model list is kept. Async like GatewayDatabase, so that a PostgreSQL implementation
 * can replace the SQLite one.
 */
export type ModelRepository = {
  list(): Promise<ModelRecord[]>
  /** Inserts or replaces the record with this id. */
  put(record: ModelRecord): Promise<void>
  /** Replaces every built-in record with these, in one transaction; operator records stay. */
  replaceBuiltins(records: readonly ModelRecord[]): Promise<void>
}
