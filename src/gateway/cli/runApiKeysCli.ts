import path from 'node:path'
import { parseArgs } from 'node:util'
import { BaseError } from '../../protocol/errors/BaseError.ts'
import { createSqliteApiKeyStore } from '../api/ApiKeyStore.ts'
import { parseCreate } from '../api/registerApiKeyRoutes.ts'
import { createLogger } from '../logging/createLogger.ts'
import { openDatabase } from '../storage/openDatabase.ts'

export type RunApiKeysCliParameters = {
  args: readonly string[]
  env?: Readonly<Record<string, string | undefined>> | undefined
  stdout?: ((text: string) => void) | undefined
  stderr?: ((text: string) => void) | undefined
  cwd?: string | undefined
  now?: (() => number) | undefined
}

/** 0: done; 1: failed (no such key, database unusable); 2: bad usage. */
export type RunApiKeysCliReturnType = 0 | 1 | 2

export const apiKeysCliUsage = `Usage:
  npx tsx src/gateway/cli/apiKeysCli.ts create --name <who> [--rate <per-second>] [--burst <n>] [--daily-quota <jobs>]
  npx tsx src/gateway/cli/apiKeysCli.ts list [--json]
  npx tsx src/gateway/cli/apiKeysCli.ts revoke <key-id>

  create   Creates a requester API key and prints its secret: it is shown once and only its
           sha256 is stored. Requesters send it as "Authorization: Bearer <secret>".
  list     Lists keys (ids, names, limits; never secrets).
  revoke   Revokes a key at once.

Options:
  --data-dir <dir>   The gateway's data directory (env INFERENCE_GRID_DATA_DIR, default ./data).
                     Works while the gateway runs (SQLite allows it). Remotely, use the operator
                     routes instead: POST /v1/operator/api-keys with the operator token.
  --rate <n>         Requests per second on average (default 20).
  --burst <n>        Requests allowed in a burst (default 100).
  --daily-quota <n>  Jobs per UTC day (default: no quota).
  --json             Print JSON.
  -h, --help         Print this help.
`

class UsageError extends Error {}

/** The operator's API-key CLI, on the gateway's database directly. */
export async function runApiKeysCli({
  args,
  env = process.env,
  stdout = (text) => process.stdout.write(text),
  stderr = (text) => process.stderr.write(text),
  cwd = process.cwd(),
  now = Date.now,
}: RunApiKeysCliParameters): Promise<RunApiKeysCliReturnType> {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(args)
  } catch (error) {
    stderr(
      `api-keys: ${error instanceof Error ? error.message : String(error)}\n\n${apiKeysCliUsage}`,
    )
    return 2
  }
  const { values, positionals } = parsed
  if (values.help) {
    stdout(apiKeysCliUsage)
    return 0
  }
  const [command, ...rest] = positionals
  if (!command || !['create', 'list', 'revoke'].includes(command)) {
    stderr(`api-keys: expected create, list or revoke.\n\n${apiKeysCliUsage}`)
    return 2
  }
  const dataDir = path.resolve(cwd, values['data-dir'] ?? env.INFERENCE_GRID_DATA_DIR ?? './data')
  const database = await openDatabase({ dataDir, logger: createLogger({ level: 'silent' }) })
  const keys = createSqliteApiKeyStore(database.sqlite)
  try {
    if (command === 'create') {
      const request = parseCreate({
        name: values.name,
        ratePerSecond: numeric(values.rate, '--rate'),
        burst: numeric(values.burst, '--burst'),
        dailyJobQuota: numeric(values['daily-quota'], '--daily-quota'),
      })
      const { key, secret } = await keys.create(request, now())
      stdout(
        values.json
          ? `${JSON.stringify({ ...key, secret })}\n`
          : `Created ${key.id} (${key.name}). Its secret, shown only now:\n\n  ${secret}\n\n`,
      )
      return 0
    }
    if (command === 'list') {
      const all = await keys.list()
      if (values.json) stdout(`${JSON.stringify(all)}\n`)
      else
        for (const key of all)
          stdout(
            `${key.id}  ${key.revokedAt ? 'revoked' : 'live   '}  ${key.ratePerSecond}/s burst ${key.burst}  quota ${key.dailyJobQuota ?? '-'}  ${key.name}\n`,
          )
      return 0
    }
    const [id] = rest
    if (!id) throw new UsageError('revoke needs a key id (see list).')
    if (!(await keys.revoke(id, now()))) {
      stderr(`api-keys: no live key ${id}.\n`)
      return 1
    }
    stdout(`Revoked ${id}.\n`)
    return 0
  } catch (error) {
    if (error instanceof UsageError || error instanceof BaseError) {
      stderr(`api-keys: ${error instanceof BaseError ? error.shortMessage : error.message}\n`)
      return 2
    }
    stderr(`api-keys: ${error instanceof Error ? error.message : String(error)}\n`)
    return 1
  } finally {
    await database.close()
  }
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      name: { type: 'string' },
      rate: { type: 'string' },
      burst: { type: 'string' },
      'daily-quota': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}

function numeric(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n))
    throw new UsageError(`${flag} must be a number; got "${value}".`)
  return n
}
