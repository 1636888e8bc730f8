import { LedgerQueryError } from '../errors/ledger.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'

export const LEDGER_DECISIONS = ['valid', 'unchecked'] as const
export const LEDGER_ROLES = ['worker', 'partner', 'network'] as const
export const LEDGER_BUCKETS = ['verified', 'pending'] as const
export const DEFAULT_ENTRY_LIMIT = 50
export const MAX_ENTRY_LIMIT = 500

/** Which entries of an account a list or CSV covers. Days are UTC `YYYY-MM-DD`, inclusive. */
export type LedgerEntryFilter = {
  /** Model id (0x sha256) the entry's job ran. */
  modelId?: string | undefined
  /** The verdict the credit rests on (an entry's decision is `<verdict>/<method>`). */
  decision?: (typeof LEDGER_DECISIONS)[number] | undefined
  role?: (typeof LEDGER_ROLES)[number] | undefined
  bucket?: (typeof LEDGER_BUCKETS)[number] | undefined
  from?: string | undefined
  to?: string | undefined
}

export type LedgerEntryQuery = LedgerEntryFilter & {
  limit: number
  /** Entries older than this entry id (the previous page's `nextCursor`). */
  cursor?: number | undefined
}

export type ParseLedgerEntryQueryParameters = {
  query: unknown
  catalog?: Pick<ModelCatalog, 'getManifest'> | undefined
  /** CSV: no paging parameters. */
  paging?: boolean
}

const KNOWN = ['limit', 'cursor', 'model', 'decision', 'role', 'bucket', 'from', 'to']

/**
 * Reads `?limit=&cursor=&model=&decision=&role=&bucket=&from=&to=` of the ledger's entry routes.
 * Anything malformed is a LedgerQueryError (400 LEDGER_INVALID_QUERY) naming the parameter and
 * what it accepts; unknown parameters are refused too, so a typo never silently widens a filter.
 */
export function parseLedgerEntryQuery({
  query,
  catalog,
  paging = true,
}: ParseLedgerEntryQueryParameters): LedgerEntryQuery {
  const raw = (query ?? {}) as Record<string, unknown>
  const known = paging ? KNOWN : KNOWN.filter((name) => name !== 'limit' && name !== 'cursor')
  for (const name of Object.keys(raw))
    if (!known.includes(name))
      throw invalid(name, `is not a parameter of this route; use ${known.join(', ')}`)
  const text = (name: string): string | undefined => {
    const value = raw[name]
    if (value === undefined || value === '') return undefined
    if (typeof value !== 'string') throw invalid(name, 'is given more than once')
    return value
  }

  let limit = DEFAULT_ENTRY_LIMIT
  const limitText = text('limit')
  if (limitText !== undefined) {
    if (
      !/^\d{1,4}$/.test(limitText) ||
      Number(limitText) < 1 ||
      Number(limitText) > MAX_ENTRY_LIMIT
    )
      throw invalid('limit', `must be a whole number from 1 to ${MAX_ENTRY_LIMIT}`, limitText)
    limit = Number(limitText)
  }
  let cursor: number | undefined
  const cursorText = text('cursor')
  if (cursorText !== undefined) {
    if (!/^[1-9]\d{0,14}$/.test(cursorText))
      throw invalid('cursor', 'must be the `nextCursor` of a previous page', cursorText)
    cursor = Number(cursorText)
  }

  let modelId: string | undefined
  const model = text('model')
  if (model !== undefined) {
    if (/^0x[0-9a-fA-F]{64}$/.test(model)) modelId = model.toLowerCase()
    else {
      const manifest = /^[\w.-]{1,128}$/.test(model) ? catalog?.getManifest(model) : undefined
      if (!manifest)
        throw invalid(
          'model',
          'must be a model id (0x and 64 hex digits) or the name of a model this gateway serves (GET /v1/models)',
          model,
        )
      modelId = manifest.id
    }
  }

  const oneOf = <T extends string>(name: string, values: readonly T[]): T | undefined => {
    const value = text(name)
    if (value === undefined) return undefined
    if (!(values as readonly string[]).includes(value))
      throw invalid(name, `must be one of ${values.join(', ')}`, value)
    return value as T
  }
  const decision = oneOf('decision', LEDGER_DECISIONS)
  const role = oneOf('role', LEDGER_ROLES)
  const bucket = oneOf('bucket', LEDGER_BUCKETS)
  const from = day('from', text('from'))
  const to = day('to', text('to'))
  if (from !== undefined && to !== undefined && from > to)
    throw invalid('from', `(${from}) is after to (${to})`)

  return {
    limit,
    ...(cursor !== undefined ? { cursor } : {}),
    ...(modelId !== undefined ? { modelId } : {}),
    ...(decision !== undefined ? { decision } : {}),
    ...(role !== undefined ? { role } : {}),
    ...(bucket !== undefined ? { bucket } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
  }
}

function day(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  const date = match ? new Date(`${value}T00:00:00Z`) : undefined
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== value)
    throw invalid(name, 'must be a UTC day written YYYY-MM-DD', value)
  return value
}

function invalid(name: string, rule: string, value?: string): LedgerQueryError {
  const shown = value === undefined ? '' : ` (got "${value.slice(0, 80)}")`
  return new LedgerQueryError(`Query parameter ${name} ${rule}${shown}.`, {
    code: 'LEDGER_INVALID_QUERY',
    details: { parameter: name },
  })
}
