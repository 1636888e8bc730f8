import { GatewayError } from './GatewayError.ts'

export type DatabaseOpenErrorType = DatabaseOpenError & { name: 'DatabaseOpenError' }

/** The data directory or the database file cannot be created or opened. */
export class DatabaseOpenError extends GatewayError<'STORAGE_OPEN_FAILED'> {
  override name = 'DatabaseOpenError' as const
  readonly path: string

  constructor({ path, cause }: { path: string; cause?: unknown }) {
    super(`Cannot open the database at ${path}.`, {
      code: 'STORAGE_OPEN_FAILED',
      cause,
      details: { path },
      metaMessages: [
        'Check that --data-dir points to a directory this user can create and write, on a local disk.',
      ],
    })
    this.path = path
  }
}

export type SchemaTooNewErrorType = SchemaTooNewError & { name: 'SchemaTooNewError' }

/**
 * The database was migrated by a newer gateway. Running older code on it could corrupt data it does
 * not understand, so the gateway refuses to open it.
 */
export class SchemaTooNewError extends GatewayError<'STORAGE_SCHEMA_TOO_NEW'> {
  override name = 'SchemaTooNewError' as const
  readonly path: string
  readonly foundVersion: number
  readonly supportedVersion: number

  constructor({
    path,
    foundVersion,
    supportedVersion,
  }: { path: string; foundVersion: number; supportedVersion: number }) {
    super(
      `The database at ${path} has schema version ${foundVersion}, newer than this gateway supports (${supportedVersion}).`,
      {
        code: 'STORAGE_SCHEMA_TOO_NEW',
        details: { path, foundVersion, supportedVersion },
        metaMessages: [
          'Upgrade the gateway, or point --data-dir at another directory. Do not downgrade a data directory.',
        ],
      },
    )
    this.path = path
    this.foundVersion = foundVersion
    this.supportedVersion = supportedVersion
  }
}

export type MigrationFailedErrorType = MigrationFailedError & { name: 'MigrationFailedError' }

/** A migration threw; its transaction was rolled back and the schema stays at the version before. */
export class MigrationFailedError extends GatewayError<'STORAGE_MIGRATION_FAILED'> {
  override name = 'MigrationFailedError' as const
  readonly version: number
  readonly migrationName: string

  constructor({ version, name, cause }: { version: number; name: string; cause?: unknown }) {
    super(`Database migration ${version} (${name}) failed and was rolled back.`, {
      code: 'STORAGE_MIGRATION_FAILED',
      cause,
      details: { version, name },
    })
    this.version = version
    this.migrationName = name
  }
}

export type MigrationMismatchErrorType = MigrationMismatchError & { name: 'MigrationMismatchError' }

/**
 * The database records a migration under a version whose name differs from the code's: the two
 * histories diverged (a migration was renamed or reordered after it shipped).
 */
export class MigrationMismatchError extends GatewayError<'STORAGE_MIGRATION_MISMATCH'> {
  override name = 'MigrationMismatchError' as const

  constructor({ version, applied, known }: { version: number; applied: string; known: string }) {
    super(
      `Database migration ${version} was applied as "${applied}" but this gateway knows it as "${known}".`,
      {
        code: 'STORAGE_MIGRATION_MISMATCH',
        details: { version, applied, known },
        metaMessages: ['Migrations are append-only: never rename or reorder one that has shipped.'],
      },
    )
  }
}

export type DatabaseUnavailableErrorType = DatabaseUnavailableError & {
  name: 'DatabaseUnavailableError'
}

/** The database is closed or does not answer. */
export class DatabaseUnavailableError extends GatewayError<'STORAGE_UNAVAILABLE'> {
  override name = 'DatabaseUnavailableError' as const

  constructor({ cause }: { cause?: unknown } = {}) {
    super('The database is not available.', { code: 'STORAGE_UNAVAILABLE', cause })
  }
}
