import { createHash, timingSafeEqual } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type Address, getAddress, isAddress, isAddressEqual } from 'viem'
import type { SiweAuth } from '../auth/createSiweAuth.ts'
import { readCookie, SESSION_COOKIE } from '../auth/registerAuthRoutes.ts'
import { AuthError } from '../errors/auth.ts'
import { HttpError } from '../errors/http.ts'
import { LedgerAccessError } from '../errors/verification.ts'
import type { ModelCatalog } from '../scheduler/ModelCatalog.ts'
import { createReferralPseudonyms } from './createReferralPseudonyms.ts'
import { ledgerCsv } from './ledgerCsv.ts'
import { parseLedgerEntryQuery } from './parseLedgerEntryQuery.ts'
import { readLedgerEntries } from './readLedgerEntries.ts'
import { readLedgerSummary } from './readLedgerSummary.ts'
import { readReferrals } from './readReferrals.ts'

export type LedgerRoutesComponents = {
  db: Database
  /** The dashboard's Sign-In with Ethereum sessions (issue 5). */
  auth: Pick<SiweAuth, 'session'>
  /** The operator reads every account (and the network's) with this bearer token. */
  operatorToken?: string | undefined
  /** Names models in the entries and resolves `?model=<name>`. */
  catalog?: Pick<ModelCatalog, 'getManifest'> | undefined
  now?: (() => number) | undefined
}

/**
 * The ledger over HTTP:
 * - `GET /v1/ledger/:wallet`: balances (verified, pending), per-role and per-day sums, results
 *   still being verified, standing (with the suspension reason) and verdicts per session.
 * - `GET /v1/ledger/:wallet/entries?limit=&cursor=&model=&decision=&role=&bucket=&from=&to=`:
 *   a page of entries, newest first, with model, backend and verdict (the dashboard's receipts).
 * - `GET /v1/ledger/:wallet/entries.csv`: every entry (or the same filters), for accounting.
 * - `GET /v1/ledger/:wallet/referrals`: a partner's earnings per day and per referred contributor.
 * A wallet's ledger is private: the wallet signed in (SIWE session cookie) or the operator token
 * (`Authorization: Bearer`). `network` (the fee account) is for the operator only.
 */
export function registerLedgerRoutes(
  app: FastifyInstance,
  components: LedgerRoutesComponents,
): void {
  const now = components.now ?? Date.now
  const pseudonyms = createReferralPseudonyms(components.db)

  function accountFor(
    request: FastifyRequest<{ Params: { wallet: string } }>,
  ): Address | 'network' {
    const { wallet } = request.params
    const operator = isOperator(request.headers.authorization, components.operatorToken)
    if (wallet === 'network') {
      if (operator) return 'network'
      throw new LedgerAccessError('The network account’s ledger needs the operator token.', {
        code: 'LEDGER_UNAUTHORIZED',
      })
    }
    if (!isAddress(wallet, { strict: false }))
      throw new HttpError(
        `${wallet.slice(0, 64)} is not a wallet address (0x and 40 hex digits) or "network".`,
        { code: 'BAD_REQUEST' },
      )
    const address = getAddress(wallet)
    if (operator) return address
    const token = readCookie(request.headers.cookie, SESSION_COOKIE)
    const session = token ? components.auth.session(token, now()) : undefined
    if (!session)
      throw new LedgerAccessError(
        'Sign in with this wallet first (GET /v1/auth/nonce, then POST /v1/auth/verify), or send the operator token.',
        { code: 'LEDGER_UNAUTHORIZED' },
      )
    if (!isAddressEqual(session.wallet, address))
      throw new AuthError(
        `Signed in as ${session.wallet}: only that wallet's ledger can be read in this session.`,
        { code: 'AUTH_FORBIDDEN' },
      )
    return address
  }

  app.get<{ Params: { wallet: string } }>('/v1/ledger/:wallet', async (request, reply) => {
    const account = accountFor(request)
    reply.header('cache-control', 'private, no-store')
    return readLedgerSummary(components.db, { account })
  })

  app.get<{ Params: { wallet: string } }>('/v1/ledger/:wallet/entries', async (request, reply) => {
    const account = accountFor(request)
    const query = parseLedgerEntryQuery({ query: request.query, catalog: components.catalog })
    reply.header('cache-control', 'private, no-store')
    return readLedgerEntries(
      { db: components.db, catalog: components.catalog, pseudonyms },
      { account, query },
    )
  })

  app.get<{ Params: { wallet: string } }>(
    '/v1/ledger/:wallet/referrals',
    async (request, reply) => {
      const account = accountFor(request)
      if (account === 'network')
        throw new HttpError('The network account has no referrals; ask for a partner’s wallet.', {
          code: 'BAD_REQUEST',
        })
      reply.header('cache-control', 'private, no-store')
      return readReferrals({ db: components.db, pseudonyms }, { account })
    },
  )

  app.get<{ Params: { wallet: string } }>(
    '/v1/ledger/:wallet/entries.csv',
    async (request, reply) => {
      const account = accountFor(request)
      const filter = parseLedgerEntryQuery({
        query: request.query,
        catalog: components.catalog,
        paging: false,
      })
      reply
        .header('cache-control', 'private, no-store')
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="ledger-${account}.csv"`)
      return ledgerCsv(components.db, { account, filter })
    },
  )
}

function isOperator(header: string | undefined, token: string | undefined): boolean {
  if (!token) return false
  const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? ''
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(token).digest()
  return timingSafeEqual(a, b)
}
