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
]
