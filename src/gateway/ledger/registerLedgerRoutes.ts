import { createHash, timingSafeEqual } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { type Address, getAddress, isAddress, isAddressEqual } from 'viem'
import type { SiweAuth } from '../auth/createSiweAuth.ts'
import { readCookie, SESSION_COOKIE } from '../auth/registerAuthRoutes.ts'
import { AuthError } from '../errors/auth.ts'
import { HttpError } from '../errors/http.ts'
import { LedgerAccessError } from '../errors/verification.ts'
import { ledgerCsv } from './ledgerCsv.ts'
import { readLedgerSummary } from './readLedgerSummary.ts'

export type LedgerRoutesComponents = {
  db: Database
  /** The dashboard's Sign-In with Ethereum sessions (issue 5). */
  auth: Pick<SiweAuth, 'session'>
  /** The operator reads every account (and the network's) with this bearer token. */
  operatorToken?: string | undefined
  now?: (() => number) | undefined
}

/**
 * The ledger over HTTP:
 * - `GET /v1/ledger/:wallet`: balances (verified, pending), per-role and per-day sums, results
 *   still being verified, standing (with the suspension reason) and verdicts per session.
 * - `GET /v1/ledger/:wallet/entries.csv`: every entry, for accounting.
 * A wallet's ledger is private: the wallet signed in (SIWE session cookie) or the operator token
 * (`Authorization: Bearer`). `network` (the fee account) is for the operator only.
 */
export function registerLedgerRoutes(
  app: FastifyInstance,
  components: LedgerRoutesComponents,
): void {
  const now = components.now ?? Date.now

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

  app.get<{ Params: { wallet: string } }>(
    '/v1/ledger/:wallet/entries.csv',
    async (request, reply) => {
      const account = accountFor(request)
      reply
        .header('cache-control', 'private, no-store')
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="ledger-${account}.csv"`)
      return ledgerCsv(components.db, { account })
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
