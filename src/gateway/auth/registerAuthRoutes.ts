import type { Database } from 'better-sqlite3'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { getAddress, type Hex, isAddress, isAddressEqual } from 'viem'
import { signedInCookie } from '../../protocol/auth/signedInCookie.ts'
import { AuthError } from '../errors/auth.ts'
import { HttpError } from '../errors/http.ts'
import type { SiweAuth, SiweSession } from './createSiweAuth.ts'
import { readWalletEarnings } from './readWalletEarnings.ts'

export type AuthRoutesComponents = {
  auth: SiweAuth
  db: Database
  /** Whether the cookie gets `Secure` (the dashboard is served over https). */
  secureCookie: () => boolean
  now?: (() => number) | undefined
}

export const SESSION_COOKIE = 'ig_session'

/**
 * The dashboard's Sign-In with Ethereum API:
 * - `GET /v1/auth/nonce`: a single-use nonce for the EIP-4361 message.
 * - `POST /v1/auth/verify` `{ message, signature }`: signs in; sets the session cookie (HttpOnly,
 *   SameSite=Strict, Path=/, Secure on https).
 * - `GET /v1/auth/session`: who is signed in (401 AUTH_REQUIRED when nobody).
 * - `POST /v1/auth/logout`: ends the session and clears the cookie.
 * - `GET /v1/earnings` and `GET /v1/earnings/:wallet`: the signed-in wallet's private detail;
 *   another wallet's is 403 AUTH_FORBIDDEN.
 */
export function registerAuthRoutes(app: FastifyInstance, components: AuthRoutesComponents): void {
  const { auth, db } = components
  const now = components.now ?? Date.now

  function signedIn(request: FastifyRequest): SiweSession {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE)
    const session = token ? auth.session(token, now()) : undefined
    if (!session)
      throw new AuthError(
        'Sign in with your wallet first (GET /v1/auth/nonce, then POST /v1/auth/verify); the session may have ended.',
        { code: 'AUTH_REQUIRED' },
      )
    return session
  }

  function setCookie(reply: FastifyReply, value: string, maxAgeS: number): void {
    const parts = [
      `${SESSION_COOKIE}=${value}`,
      'Path=/',
      'HttpOnly',
      'SameSite=Strict',
      `Max-Age=${maxAgeS}`,
    ]
    // The page-readable hint (no secret) lives and dies with the session cookie.
    const hint = [
      `${signedInCookie}=${value ? '1' : ''}`,
      'Path=/',
      'SameSite=Strict',
      `Max-Age=${maxAgeS}`,
    ]
    if (components.secureCookie()) {
      parts.push('Secure')
      hint.push('Secure')
    }
    reply.header('set-cookie', [parts.join('; '), hint.join('; ')])
  }

  app.get('/v1/auth/nonce', async (_request, reply) => {
    const { nonce, expiresAt } = auth.issueNonce(now())
    reply.header('cache-control', 'no-store')
    return { nonce, expiresAt: new Date(expiresAt).toISOString() }
  })

  app.post('/v1/auth/verify', async (request, reply) => {
    const { message, signature } = parseVerify(request.body)
    const session = await auth.signIn({ message, signature, now: now() })
    setCookie(reply, session.token, Math.max(1, Math.floor((session.expiresAt - now()) / 1000)))
    reply.header('cache-control', 'no-store')
    return {
      address: session.wallet,
      chainId: session.chainId,
      expiresAt: new Date(session.expiresAt).toISOString(),
    }
  })

  app.get('/v1/auth/session', async (request, reply) => {
    const session = signedIn(request)
    reply.header('cache-control', 'no-store')
    return {
      address: session.wallet,
      chainId: session.chainId,
      expiresAt: new Date(session.expiresAt).toISOString(),
    }
  })

  app.post('/v1/auth/logout', async (request, reply) => {
    const token = readCookie(request.headers.cookie, SESSION_COOKIE)
    if (token) auth.signOut(token)
    setCookie(reply, '', 0)
    reply.header('cache-control', 'no-store')
    return { signedOut: true }
  })

  app.get('/v1/earnings', async (request, reply) => {
    const session = signedIn(request)
    reply.header('cache-control', 'private, no-store')
    return readWalletEarnings(db, { wallet: session.wallet })
  })

  app.get<{ Params: { wallet: string } }>('/v1/earnings/:wallet', async (request, reply) => {
    const session = signedIn(request)
    const { wallet } = request.params
    if (!isAddress(wallet, { strict: false }))
      throw new HttpError(
        `${wallet.slice(0, 64)} is not a wallet address (0x and 40 hex digits).`,
        {
          code: 'BAD_REQUEST',
        },
      )
    if (!isAddressEqual(wallet, session.wallet))
      throw new AuthError(
        `Signed in as ${session.wallet}: only that wallet's earnings can be read in this session.`,
        { code: 'AUTH_FORBIDDEN' },
      )
    reply.header('cache-control', 'private, no-store')
    return readWalletEarnings(db, { wallet: getAddress(wallet) })
  })
}

function parseVerify(body: unknown): { message: string; signature: Hex } {
  const { message, signature } = (body ?? {}) as { message?: unknown; signature?: unknown }
  if (typeof message !== 'string' || message.length === 0 || message.length > 4096)
    throw new AuthError('The body needs `message`: the EIP-4361 text the wallet signed.', {
      code: 'AUTH_MESSAGE_INVALID',
    })
  if (typeof signature !== 'string' || !/^0x[0-9a-fA-F]+$/.test(signature))
    throw new AuthError('The body needs `signature`: the wallet’s 0x-hex signature.', {
      code: 'AUTH_SIGNATURE_INVALID',
    })
  return { message, signature: signature as Hex }
}

/** One cookie's value from a Cookie header (no decoding: our token is base64url). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined
  for (const part of header.split(';')) {
    const index = part.indexOf('=')
    if (index !== -1 && part.slice(0, index).trim() === name) {
      const value = part.slice(index + 1).trim()
      return value === '' ? undefined : value
    }
  }
  return undefined
}
