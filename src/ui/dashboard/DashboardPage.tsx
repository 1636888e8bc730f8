import { useQuery } from '@tanstack/react-query'
import { useEffect, useMemo, useState } from 'react'
import { isAddressEqual } from 'viem'
import { useConnection, useSignMessage } from 'wagmi'
import { hasSignedInHint } from '../../protocol/auth/signedInCookie.ts'
import { shortAddress } from '../wallet/WalletButton.tsx'
import { BalancesCard } from './BalancesCard.tsx'
import {
  createDashboardApi,
  type DashboardApi,
  type SignedInSession,
} from './createDashboardApi.ts'
import { DashboardNotice } from './DashboardNotice.tsx'
import { EarningsChart } from './EarningsChart.tsx'
import { ReceiptsTable } from './ReceiptsTable.tsx'
import { ReferralsCard } from './ReferralsCard.tsx'
import { SignInPanel } from './SignInPanel.tsx'
import { StandingCard } from './StandingCard.tsx'
import { signInWithEthereum } from './signInWithEthereum.ts'
import './dashboard.css'

type SessionState =
  | { status: 'loading' }
  | { status: 'ready'; session: SignedInSession | undefined }
  | { status: 'error'; error: Error }

/**
 * `/dashboard`: a wallet's earnings. Connect the wallet and sign in with Ethereum (one signature,
 * an HttpOnly session cookie); then balances, earnings per day, standing, receipts with filters,
 * pages and CSV export, and for partners the referrals. Loaded only when visited (with uPlot).
 */
export function DashboardPage() {
  const api = useMemo(
    () => createDashboardApi({ mayBeSignedIn: () => hasSignedInHint(document.cookie) }),
    [],
  )
  const connection = useConnection()
  const signMessage = useSignMessage()
  const [state, setState] = useState<SessionState>({ status: 'loading' })
  const [signIn, setSignIn] = useState<{ pending: boolean; error?: Error | undefined }>({
    pending: false,
  })
  const [attempt, setAttempt] = useState(0)

  // biome-ignore lint/correctness/useExhaustiveDependencies: attempt re-reads the session (Retry)
  useEffect(() => {
    const controller = new AbortController()
    api.session({ signal: controller.signal }).then(
      (session) => setState({ status: 'ready', session }),
      (error: Error) => {
        if (!controller.signal.aborted) setState({ status: 'error', error })
      },
    )
    return () => controller.abort()
  }, [api, attempt])

  const address = connection.status === 'connected' ? connection.address : undefined
  const onSignIn = async () => {
    if (!address) return
    setSignIn({ pending: true })
    try {
      const session = await signInWithEthereum({
        api,
        address,
        signMessage: (message) => signMessage.mutateAsync({ message, account: address }),
      })
      setState({ status: 'ready', session })
      setSignIn({ pending: false })
    } catch (error) {
      setSignIn({ pending: false, error: error as Error })
    }
  }
  const onSignOut = async () => {
    await api.signOut().catch(() => undefined)
    setState({ status: 'ready', session: undefined })
  }

  return (
    <div className="dash">
      <div className="dash-head">
        <h2 id="dashboard-title">Earnings</h2>
        {state.status === 'ready' && state.session && (
          <p className="dash-who" data-testid="signed-in-as">
            Signed in as <code title={state.session.address}>{state.session.address}</code>{' '}
            <button
              type="button"
              className="secondary"
              data-testid="dash-sign-out"
              onClick={onSignOut}
            >
              Sign out
            </button>
          </p>
        )}
      </div>
      {state.status === 'loading' ? (
        <p aria-live="polite" className="dash-muted">
          Checking your sign-in…
        </p>
      ) : state.status === 'error' ? (
        <DashboardNotice
          error={state.error}
          action={
            <button type="button" className="secondary" onClick={() => setAttempt((n) => n + 1)}>
              Retry
            </button>
          }
        />
      ) : !state.session ? (
        <SignInPanel
          address={address}
          pending={signIn.pending}
          error={signIn.error}
          onSignIn={onSignIn}
        />
      ) : (
        <>
          {address && !isAddressEqual(address, state.session.address) && (
            <div className="dash-notice" role="status">
              <p>
                Your wallet now holds {shortAddress(address)}, but you are signed in as{' '}
                {shortAddress(state.session.address)}. These are the earnings of{' '}
                {shortAddress(state.session.address)}.
              </p>
              <button
                type="button"
                className="secondary"
                disabled={signIn.pending}
                onClick={onSignIn}
              >
                Sign in as {shortAddress(address)}
              </button>
            </div>
          )}
          <Earnings api={api} wallet={state.session.address} onSignedOut={onSignOut} />
        </>
      )}
    </div>
  )
}

/** How often balances, standing, the chart and referrals refetch while the tab is visible, ms. */
const LIVE_REFRESH_MS = 15_000

function timeOf(ms: number): string {
  return new Date(ms).toLocaleTimeString()
}

type EarningsProps = { api: DashboardApi; wallet: string; onSignedOut: () => void }

function Earnings({ api, wallet, onSignedOut }: EarningsProps) {
  /** Bumped by Refresh: the receipts table starts again at the newest page. */
  const [refresh, setRefresh] = useState(0)
  // Balances, standing, the chart and referrals follow the ledger live: refetched every
  // LIVE_REFRESH_MS while the tab is visible, keeping the figures shown while a refetch runs.
  const query = useQuery({
    queryKey: ['dashboard-earnings', wallet],
    queryFn: async ({ signal }) => {
      const [summary, models] = await Promise.all([
        api.summary(wallet, { signal }),
        // The model filter is a convenience: without the list, receipts still load.
        api.models({ signal }).catch(() => []),
      ])
      const partner = summary.byRole.some((role) => role.role === 'partner')
      const referrals = partner ? await api.referrals(wallet, { signal }) : undefined
      return { summary, models, referrals }
    },
    refetchInterval: LIVE_REFRESH_MS,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: true,
    retry: false,
    gcTime: 0,
  })
  const reload = () => {
    setRefresh((n) => n + 1)
    void query.refetch()
  }
  if (query.isPending)
    return (
      <p aria-live="polite" className="dash-muted">
        Loading your earnings…
      </p>
    )
  const code = (query.error as { code?: string } | null)?.code
  const signedOut = code === 'LEDGER_UNAUTHORIZED' || code === 'AUTH_REQUIRED'
  if (query.isError && (signedOut || !query.data)) {
    return (
      <DashboardNotice
        error={query.error}
        action={
          <button type="button" className="secondary" onClick={signedOut ? onSignedOut : reload}>
            {signedOut ? 'Sign in again' : 'Retry'}
          </button>
        }
      />
    )
  }
  const { summary, models, referrals } = query.data
  return (
    <>
      <div className="dash-toolbar">
        <span className="dash-muted" aria-live="polite" data-testid="dash-updated">
          {query.isError
            ? `Could not update (${(query.error as Error).message.split('\n')[0]}); showing the figures from ${timeOf(query.dataUpdatedAt)}.`
            : `Live: updated ${timeOf(query.dataUpdatedAt)}`}
        </span>
        <button type="button" className="secondary" data-testid="dash-refresh" onClick={reload}>
          Refresh
        </button>
      </div>
      <div className="cards">
        <BalancesCard summary={summary} />
        <StandingCard summary={summary} />
      </div>
      <section className="card" aria-labelledby="dash-chart-title">
        <h2 id="dash-chart-title">Earnings per day</h2>
        <EarningsChart
          days={summary.days}
          label="Earnings per UTC day in credits, verified and pending"
          testId="earnings-chart"
        />
      </section>
      {referrals && <ReferralsCard referrals={referrals} />}
      <ReceiptsTable
        api={api}
        wallet={wallet}
        models={models}
        partner={referrals !== undefined}
        refresh={refresh}
      />
    </>
  )
}
