import type { Database } from 'better-sqlite3'
import type { ModelTask } from '../../../protocol/models/ModelManifest.ts'
import type { ModelRecord } from './ModelRecord.ts'
import type { ModelRepository } from './ModelRepository.ts'

export type CreateSqliteModelRepositoryParameters = {
  /** An open database migrated to at least version 2 (the `models` table). */
  sqlite: Database
}

type Row = {
  id: string
  name: string
  task: string
  description: string
  size: number
  origin: string
  file: string
  source: string
  comparison: string
  assets: string | null
  added_at: string
}

/** The model list in the gateway's SQLite database (table `models`, migration 2). */
export function createSqliteModelRepository({
  sqlite,
}: CreateSqliteModelRepositoryParameters): ModelRepository {
  const select = sqlite.prepare<[], Row>('SELECT * FROM models ORDER BY name')
  const upsert = sqlite.prepare<[Row & { updated_at: string }]>(`
    INSERT INTO models (id, name, task, description, size, origin, file, source, comparison,
      assets, added_at, updated_at)
    VALUES (@id, @name, @task, @description, @size, @origin, @file, @source, @comparison,
      @assets, @added_at, @updated_at)
    ON CONFLICT (id) DO UPDATE SET name = excluded.name, task = excluded.task,
      description = excluded.description, size = excluded.size, origin = excluded.origin,
      file = excluded.file, source = excluded.source, comparison = excluded.comparison,
      assets = excluded.assets, updated_at = excluded.updated_at
  `)
  const deleteBuiltins = sqlite.prepare("DELETE FROM models WHERE origin = 'builtin'")

  const put = (record: ModelRecord) =>
    upsert.run({ ...toRow(record), updated_at: new Date().toISOString() })
  const replaceBuiltins = sqlite.transaction((records: readonly ModelRecord[]) => {
    deleteBuiltins.run()
    for (const record of records) put(record)
  })

  return {
    async list() {
      return select.all().map(fromRow)
    },
    async put(record) {
      put(record)
    },
    async replaceBuiltins(records) {
      replaceBuiltins.immediate(records)
    },
  }
}

function toRow(record: ModelRecord): Row {
  return {
    id: record.id,
    name: record.name,
    task: record.task,
    description: record.description,
    size: record.size,
    origin: record.origin,
    file: record.file,
    source: JSON.stringify(record.source),
    comparison: JSON.stringify(record.comparison),
    assets: record.assets ? JSON.stringify(record.assets) : null,
    added_at: record.addedAt,
  }
}

// Rows are written only by toRow; the registry re-validates every manifest it builds from them.
function fromRow(row: Row): ModelRecord {
  return {
    id: row.id as ModelRecord['id'],
    name: row.name,
    task: row.task as ModelTask,
    description: row.description,
    size: row.size,
    origin: row.origin === 'builtin' ? 'builtin' : 'operator',
    file: row.file,
    source: JSON.parse(row.source),
    comparison: JSON.parse(row.comparison),
    assets: row.assets === null ? undefined : JSON.parse(row.assets),
    addedAt: row.added_at,
  }
}
