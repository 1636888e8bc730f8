import { deserializeError } from '../../protocol/errors/deserializeError.ts'
import type {
  LedgerEntriesPage,
  LedgerSummary,
  ReferralsView,
} from '../../protocol/ledger/ledgerViews.ts'
import { DashboardError } from './DashboardError.ts'

export type SignedInSession = { address: `0x${string}`; chainId: number; expiresAt: string }

/** The receipts table's filters, as the entries route's query parameters. */
export type EntryFilters = {
  model?: string | undefined
  decision?: 'valid' | 'unchecked' | undefined
  role?: 'worker' | 'partner' | undefined
  from?: string | undefined
  to?: string | undefined
}

export type ModelSummary = { id: string; name: string }

export type DashboardApi = {
  /** The signed-in wallet, or undefined when nobody is (401). */
  session(options?: { signal?: AbortSignal }): Promise<SignedInSession | undefined>
  chainId(options?: { signal?: AbortSignal }): Promise<number>
  nonce(options?: { signal?: AbortSignal }): Promise<string>
  verify(
    body: { message: string; signature: string },
    options?: { signal?: AbortSignal },
  ): Promise<SignedInSession>
  signOut(options?: { signal?: AbortSignal }): Promise<void>
  summary(wallet: string, options?: { signal?: AbortSignal }): Promise<LedgerSummary>
  entries(
    wallet: string,
    query: EntryFilters & { limit: number; cursor?: string | undefined },
    options?: { signal?: AbortSignal },
  ): Promise<LedgerEntriesPage>
  referrals(wallet: string, options?: { signal?: AbortSignal }): Promise<ReferralsView>
  models(options?: { signal?: AbortSignal }): Promise<ModelSummary[]>
  /** The CSV export's URL (same filters, every page). */
  csvUrl(wallet: string, filters: EntryFilters): string
}

export type DashboardApiComponents = {
  fetch?: typeof fetch
  baseUrl?: string
  /**
   * Whether a session may exist (the page reads the gateway's `ig_signed_in` hint cookie); when
   * false, `session()` answers signed out without a request. Default: always ask.
   */
  mayBeSignedIn?: () => boolean
}

/**
 * The dashboard's calls to its gateway (same origin: the session cookie rides along). A gateway
 * error body `{ error: { code, message } }` is rebuilt with its code (deserializeError); a failed
 * request or an unreadable answer is a DashboardError DASHBOARD_REQUEST_FAILED.
 */
export function createDashboardApi(components: DashboardApiComponents = {}): DashboardApi {
  const fetchFn = components.fetch ?? globalThis.fetch.bind(globalThis)
  const base = components.baseUrl ?? ''

  async function call<T>(
    path: string,
    init: RequestInit & { signal?: AbortSignal | undefined } = {},
  ): Promise<{ status: number; body: T }> {
    let response: Response
    try {
      response = await fetchFn(`${base}${path}`, { credentials: 'same-origin', ...init })
    } catch (cause) {
      if (init.signal?.aborted) throw cause
      throw new DashboardError('The gateway did not answer; check the connection and reload.', {
        code: 'DASHBOARD_REQUEST_FAILED',
        cause,
      })
    }
    let body: unknown
    try {
      body = await response.json()
    } catch (cause) {
      throw new DashboardError(
        `The gateway answered ${path} with ${response.status} and no readable JSON.`,
        { code: 'DASHBOARD_REQUEST_FAILED', cause },
      )
    }
    if (!response.ok) {
      const error = (body as { error?: unknown } | null)?.error
      if (error && typeof error === 'object') throw deserializeError(error)
      throw new DashboardError(`The gateway answered ${path} with ${response.status}.`, {
        code: 'DASHBOARD_REQUEST_FAILED',
      })
    }
    return { status: response.status, body: body as T }
  }

  const query = (values: Record<string, string | number | undefined>) => {
    const params = new URLSearchParams()
    for (const [name, value] of Object.entries(values))
      if (value !== undefined && value !== '') params.set(name, String(value))
    const text = params.toString()
    return text ? `?${text}` : ''
  }
  const wallet = (address: string) => encodeURIComponent(address)

  return {
    async session({ signal } = {}) {
      if (components.mayBeSignedIn && !components.mayBeSignedIn()) return undefined
      try {
        return (await call<SignedInSession>('/v1/auth/session', { signal })).body
      } catch (error) {
        if ((error as { code?: unknown }).code === 'AUTH_REQUIRED') return undefined
        throw error
      }
    },
    async chainId({ signal } = {}) {
      return (await call<{ chainId: number }>('/v1/network', { signal })).body.chainId
    },
    async nonce({ signal } = {}) {
      return (await call<{ nonce: string }>('/v1/auth/nonce', { signal })).body.nonce
    },
    async verify(body, { signal } = {}) {
      return (
        await call<SignedInSession>('/v1/auth/verify', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal,
        })
      ).body
    },
    async signOut({ signal } = {}) {
      await call('/v1/auth/logout', { method: 'POST', signal })
    },
    async summary(address, { signal } = {}) {
      return (await call<LedgerSummary>(`/v1/ledger/${wallet(address)}`, { signal })).body
    },
    async entries(address, filters, { signal } = {}) {
      return (
        await call<LedgerEntriesPage>(`/v1/ledger/${wallet(address)}/entries${query(filters)}`, {
          signal,
        })
      ).body
    },
    async referrals(address, { signal } = {}) {
      return (await call<ReferralsView>(`/v1/ledger/${wallet(address)}/referrals`, { signal })).body
    },
    async models({ signal } = {}) {
      const { body } = await call<{ models: ModelSummary[] }>('/v1/models', { signal })
      return body.models.map(({ id, name }) => ({ id, name }))
    },
    csvUrl(address, filters) {
      return `${base}/v1/ledger/${wallet(address)}/entries.csv${query(filters)}`
    },
  }
}
