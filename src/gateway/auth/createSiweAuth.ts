import { createHash, randomBytes } from 'node:crypto'
import type { Database } from 'better-sqlite3'
import {
  type Address,
  createPublicClient,
  getAddress,
  type Hex,
  http,
  isHex,
  recoverMessageAddress,
} from 'viem'
import { generateSiweNonce, parseSiweMessage, validateSiweMessage } from 'viem/siwe'
import { AuthError } from '../errors/auth.ts'
import { isContractWalletSignature } from '../work/verifyHello.ts'

export type SiweAuthSettings = {
  /** Web origins the dashboard runs on: a message's domain and URI must name one of them. */
  origins: () => readonly string[]
  chainId: number
  /** JSON-RPC URL: smart-contract wallets sign in through ERC-1271/6492 only with one. */
  rpcUrl?: string | undefined
  /** How long a signed-in session lasts at most. Default 24 hours. */
  sessionTtlMs?: number | undefined
  /** How long an issued nonce may wait. Default 10 minutes. */
  nonceTtlMs?: number | undefined
}

export type SiweAuthComponents = { db: Database }

export type SiweSession = { wallet: Address; chainId: number; expiresAt: number }

export type SiweAuth = {
  issueNonce(now: number): { nonce: string; expiresAt: number }
  /** Checks a signed EIP-4361 message; returns a new session and its secret token. */
  signIn(
    parameters: { message: string; signature: Hex; now: number },
    options?: { signal?: AbortSignal | undefined },
  ): Promise<SiweSession & { token: string }>
  /** The session a cookie token names, if it is live. */
  session(token: string, now: number): SiweSession | undefined
  signOut(token: string): void
}

/** Sign-in messages older than this are refused even without an expiration time. */
const MAX_MESSAGE_AGE_MS = 10 * 60_000
const CLOCK_SKEW_MS = 60_000

/**
 * Sign-In with Ethereum (EIP-4361, viem/siwe) for the dashboard API. The gateway issues a
 * single-use nonce; the browser's wallet signs a message naming this site's domain, URI, chain and
 * the nonce; the gateway checks each field, consumes the nonce (a message can sign in once), checks
 * the signature (EOA recovery; ERC-1271/6492 through the RPC when one is configured) and stores a
 * session by the hash of a random token that only the HttpOnly cookie carries.
 */
export function createSiweAuth(
  settings: SiweAuthSettings,
  components: SiweAuthComponents,
): SiweAuth {
  const { db } = components
  const sessionTtlMs = settings.sessionTtlMs ?? 24 * 60 * 60_000
  const nonceTtlMs = settings.nonceTtlMs ?? 10 * 60_000
  const client = settings.rpcUrl
    ? createPublicClient({ transport: http(settings.rpcUrl, { timeout: 10_000, retryCount: 1 }) })
    : undefined
  const insertNonce = db.prepare<[string, number, number]>(
    'INSERT INTO siwe_nonces (nonce, issued_at, expires_at) VALUES (?, ?, ?)',
  )
  const takeNonce = db.prepare<[string], { expires_at: number }>(
    'DELETE FROM siwe_nonces WHERE nonce = ? RETURNING expires_at',
  )
  const pruneNonces = db.prepare<[number]>('DELETE FROM siwe_nonces WHERE expires_at < ?')
  const insertSession = db.prepare<[string, string, number, number, number]>(
    'INSERT INTO siwe_sessions (token_hash, wallet, chain_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
  )
  const selectSession = db.prepare<
    [string, number],
    { wallet: string; chain_id: number; expires_at: number }
  >(
    'SELECT wallet, chain_id, expires_at FROM siwe_sessions WHERE token_hash = ? AND expires_at > ?',
  )
  const deleteSession = db.prepare<[string]>('DELETE FROM siwe_sessions WHERE token_hash = ?')
  const pruneSessions = db.prepare<[number]>('DELETE FROM siwe_sessions WHERE expires_at < ?')
  let issuedSincePrune = 0

  function invalid(message: string): AuthError {
    return new AuthError(message, { code: 'AUTH_MESSAGE_INVALID' })
  }

  function checkFields(text: string, now: number) {
    let parsed: ReturnType<typeof parseSiweMessage>
    try {
      parsed = parseSiweMessage(text)
    } catch {
      throw invalid('The sign-in message is not an EIP-4361 message.')
    }
    const { address, domain, uri, chainId, nonce, issuedAt } = parsed
    if (!address || !domain || !uri || !nonce || chainId === undefined)
      throw invalid(
        'The sign-in message lacks a field EIP-4361 requires (address, domain, URI, chain id, nonce).',
      )
    const origin = settings.origins().find((o) => new URL(o).host === domain)
    if (!origin) throw invalid(`The sign-in message is for ${domain}, not for this site.`)
    // Compared as origins: a prefix test would let https://grid.example.evil.test pass.
    if (originOf(uri) !== new URL(origin).origin)
      throw invalid(`The sign-in message's URI is not on ${origin}.`)
    if (parsed.scheme !== undefined && `${parsed.scheme}:` !== new URL(origin).protocol)
      throw invalid(`The sign-in message's scheme is not ${new URL(origin).protocol}`)
    if (chainId !== settings.chainId)
      throw invalid(
        `The sign-in message is for chain ${chainId}; sign in on chain ${settings.chainId}.`,
      )
    if (!issuedAt || Number.isNaN(issuedAt.getTime()))
      throw invalid('The sign-in message has no valid Issued At time.')
    if (issuedAt.getTime() > now + CLOCK_SKEW_MS || issuedAt.getTime() < now - MAX_MESSAGE_AGE_MS)
      throw invalid('The sign-in message was issued too long ago or in the future: sign a new one.')
    const valid = validateSiweMessage({
      message: parsed,
      domain,
      nonce,
      time: new Date(now),
    })
    if (!valid)
      throw invalid(
        'The sign-in message is expired, not yet valid, or malformed (nonce format, version).',
      )
    return { address: getAddress(address), chainId, nonce, expirationTime: parsed.expirationTime }
  }

  async function checkSignature(
    text: string,
    address: Address,
    signature: Hex,
    signal?: AbortSignal,
  ) {
    if (!isHex(signature, { strict: true }))
      throw new AuthError('The sign-in signature is not hex.', { code: 'AUTH_SIGNATURE_INVALID' })
    if (client) {
      signal?.throwIfAborted()
      const ok = await client
        .verifyMessage({ address, message: text, signature })
        .catch(() => false)
      if (ok) return
    } else if (isContractWalletSignature(signature)) {
      throw new AuthError(
        'This looks like a smart-contract wallet signature, and this gateway cannot verify those: it has no RPC configured (--rpc-url). Sign in with a key-based wallet, or ask the operator.',
        { code: 'AUTH_SIGNATURE_INVALID' },
      )
    } else {
      const signer = await recoverMessageAddress({ message: text, signature }).catch(
        () => undefined,
      )
      if (signer && signer === address) return
    }
    throw new AuthError(`The sign-in message was not signed by ${address}.`, {
      code: 'AUTH_SIGNATURE_INVALID',
    })
  }

  return {
    issueNonce(now) {
      if (++issuedSincePrune >= 1000) {
        issuedSincePrune = 0
        pruneNonces.run(now)
        pruneSessions.run(now)
      }
      const nonce = generateSiweNonce()
      const expiresAt = now + nonceTtlMs
      insertNonce.run(nonce, now, expiresAt)
      return { nonce, expiresAt }
    },

    async signIn({ message, signature, now }, options = {}) {
      const fields = checkFields(message, now)
      // Spent whatever follows: a message (and its nonce) can be tried once.
      const issued = takeNonce.get(fields.nonce)
      if (!issued || issued.expires_at < now)
        throw new AuthError(
          'The sign-in nonce was not issued here, was already used, or expired: ask for a new one (GET /v1/auth/nonce).',
          { code: 'AUTH_NONCE_INVALID' },
        )
      await checkSignature(message, fields.address, signature, options.signal)
      const expiresAt = Math.min(
        now + sessionTtlMs,
        fields.expirationTime?.getTime() ?? Number.POSITIVE_INFINITY,
      )
      const token = randomBytes(32).toString('base64url')
      insertSession.run(hashToken(token), fields.address, fields.chainId, now, expiresAt)
      return { token, wallet: fields.address, chainId: fields.chainId, expiresAt }
    },

    session(token, now) {
      const row = selectSession.get(hashToken(token), now)
      if (!row) return undefined
      return { wallet: getAddress(row.wallet), chainId: row.chain_id, expiresAt: row.expires_at }
    },

    signOut(token) {
      deleteSession.run(hashToken(token))
    },
  }
}

function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

function originOf(uri: string): string | undefined {
  try {
    return new URL(uri).origin
  } catch {
    return undefined
  }
}
