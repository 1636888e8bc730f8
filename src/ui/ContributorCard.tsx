import { useEffect, useRef, useState } from 'react'
import type { Address } from 'viem'
import { useConfig, useConnection } from 'wagmi'
import { THROUGHPUT_WINDOW_MS } from '../p2p/throughputWindowMs.ts'
import type { GridWagmiConfig } from '../wallet/createGridWagmiConfig.ts'
import type { DelegatedSession } from '../wallet/getDelegatedSession.ts'
import { type SessionKeyStore, sessionIdOf } from '../wallet/SessionKeyStore.ts'
import type {
  Contributor,
  ContributorStatus,
  PauseReason,
} from './contributor/createContributor.ts'
import type { ContributorSettings } from './contributor/createSettingsStore.ts'
import { formatCredits } from './contributor/formatCredits.ts'
import { useNow } from './contributor/useNow.ts'
import { shortAddress, WalletButton } from './wallet/WalletButton.tsx'
import './contributor/contributor.css'

const pauseNames: Record<PauseReason, string> = {
  hidden: 'the tab is hidden',
  battery: 'the battery is low',
}

const transportNames: Record<string, string> = {
  'webrtc-direct': 'WebRTC-Direct',
  websocket: 'WebSocket',
  webrtc: 'WebRTC',
  'circuit-relay': 'relay',
  other: 'other',
}

/** A gateway on this machine offers only loopback/private addresses: libp2p must be let dial them. */
function isLocalPage(): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(globalThis.location.hostname)
}

/** One per page: delegated session keys live in IndexedDB between reloads. */
let sessionStore: Promise<SessionKeyStore> | undefined
function sessionKeyStore(): Promise<SessionKeyStore> {
  sessionStore ??= import('../wallet/createIndexedDbSessionKeyStore.browser.ts').then((m) =>
    m.createIndexedDbSessionKeyStore(),
  )
  return sessionStore
}

/**
 * Start/Stop for contributing this tab, and what it is doing. The worker code (libp2p, the
 * engine, onnxruntime-web) is imported only when Start is pressed. With a wallet connected, Start
 * first gets the wallet's delegation to a session key (one signature, reused from IndexedDB until
 * it expires); a wallet switch or disconnect stops the tab, so nothing more is earned under the
 * old wallet. Without a wallet the tab contributes anonymously and earns nothing for itself.
 */
export type ContributorCardProps = {
  contributor: Contributor | undefined
  status: ContributorStatus
  /** Called with the contributor Start created (the page shares it with the other cards). */
  onContributor(contributor: Contributor): void
  settings: ContributorSettings
}

export function ContributorCard(props: ContributorCardProps) {
  const { contributor, status, settings } = props
  const config = useConfig() as GridWagmiConfig
  const connection = useConnection()
  const wallet = connection.status === 'connected' ? connection.address : undefined
  /** The wallet the running contributor earns for (undefined: anonymous). */
  const [earningFor, setEarningFor] = useState<Address | undefined>()
  const [notice, setNotice] = useState<string | undefined>()
  const [loadError, setLoadError] = useState<string | undefined>()
  const active = status.state === 'starting' || status.state === 'running'

  const start = async () => {
    setLoadError(undefined)
    setNotice(undefined)
    try {
      let session: DelegatedSession | undefined
      let sessionId: string | undefined
      if (wallet) {
        const [{ delegateSession }, store] = await Promise.all([
          import('./wallet/delegateSession.ts'),
          sessionKeyStore(),
        ])
        session = await delegateSession({
          config,
          wallet,
          store,
          baseUrl: globalThis.location.origin,
        })
        const { origin, chainId } = session.delegation.delegation
        sessionId = sessionIdOf(origin, chainId, wallet)
      }
      const [{ createContributor }, { installConsoleHandle }, { releaseOnPageHide }] =
        await Promise.all([
          import('./contributor/createContributor.ts'),
          import('./contributor/installConsoleHandle.ts'),
          import('./contributor/releaseOnPageHide.ts'),
        ])
      const next = createContributor({
        allowInsecureLocal: isLocalPage(),
        session,
        dutyCycle: settings.dutyCycle,
        maxDownloadBytes:
          settings.maxDownloadMB === null ? undefined : settings.maxDownloadMB * 1_000_000,
      })
      installConsoleHandle(next)
      releaseOnPageHide(next)
      earning.current = { wallet, sessionId }
      setEarningFor(wallet)
      props.onContributor(next)
      await next.start()
    } catch (error) {
      setLoadError(error instanceof Error ? error.message : String(error))
    }
  }
  const stop = () => {
    void contributor?.stop()
  }

  // A wallet switch or disconnect ends earning under the old wallet: the tab stops (the gateway
  // closes that session), and a disconnect also forgets the stored session key.
  const earning = useRef<{ wallet: Address | undefined; sessionId: string | undefined }>({
    wallet: undefined,
    sessionId: undefined,
  })
  useEffect(() => {
    const started = earning.current
    if (!started.wallet || !contributor || !active) return
    if (connection.status === 'reconnecting' || connection.status === 'connecting') return
    if (wallet?.toLowerCase() === started.wallet.toLowerCase()) return
    void contributor.stop()
    setNotice(
      wallet
        ? `The wallet switched accounts: this tab stopped earning for ${shortAddress(started.wallet)}. Press Start to contribute for ${shortAddress(wallet)}.`
        : `The wallet disconnected: this tab stopped earning for ${shortAddress(started.wallet)}. Press Start to contribute anonymously, or connect a wallet.`,
    )
    if (!wallet && started.sessionId) {
      const id = started.sessionId
      void sessionKeyStore().then((store) => store.delete(id))
    }
    earning.current = { wallet: undefined, sessionId: undefined }
  }, [wallet, connection.status, contributor, active])

  const network = status.network
  const now = useNow(active ? 1000 : undefined)
  const throughput = (network?.recentDoneAt ?? []).filter(
    (t) => t > now - THROUGHPUT_WINDOW_MS,
  ).length
  return (
    <section className="card" aria-labelledby="contribute-title" data-testid="contributor-card">
      <h2 id="contribute-title">Contribute</h2>
      <WalletButton />
      <p data-testid="contributor-identity">
        {active
          ? earningFor
            ? `This tab is running models for the grid, earning for ${shortAddress(earningFor)}. Its results are signed by a session key your wallet authorized once.`
            : 'This tab is running models for the grid anonymously: no wallet was connected at Start, so it earns nothing for itself.'
          : wallet
            ? 'Press Start to run models for the grid in this tab. Your wallet signs once to authorize this tab for 24 hours; nothing downloads or computes before you press Start.'
            : 'Press Start to run models for the grid in this tab. Without a wallet it contributes anonymously and earns nothing for itself; connect one to earn. Nothing downloads or computes before you press Start.'}
      </p>
      <button
        type="button"
        data-testid="contribute-toggle"
        onClick={active ? stop : () => void start()}
        disabled={status.state === 'stopping'}
      >
        {active ? 'Stop' : 'Start'}
      </button>
      {(loadError ?? status.error) && <p role="alert">{loadError ?? status.error}</p>}
      {notice && (
        <p role="status" data-testid="wallet-notice">
          {notice}
        </p>
      )}
      {status.state !== 'idle' && (
        <dl className="facts">
          <dt>State</dt>
          <dd data-testid="contributor-state">
            {status.state === 'running' && network ? network.state : status.state}
          </dd>
          <dt>Connection</dt>
          <dd data-testid="connection-type" title={network?.remoteAddr}>
            {network?.transport ? transportNames[network.transport] : 'none'}
          </dd>
          <dt>Jobs done</dt>
          <dd data-testid="jobs-done">{network?.jobsDone ?? 0}</dd>
          {status.pausedBy.length > 0 && active && (
            <>
              <dt>Paused</dt>
              <dd data-testid="contributor-paused">
                {`Taking no new jobs while ${status.pausedBy.map((r) => pauseNames[r]).join(' and ')}; jobs already here finish.`}
              </dd>
            </>
          )}
          <dt>Current job</dt>
          <dd data-testid="current-job">{currentJob(status)}</dd>
          <dt>Jobs held</dt>
          <dd data-testid="current-jobs">{network?.currentJobs.length ?? 0}</dd>
          <dt>Throughput</dt>
          <dd data-testid="throughput">{throughput} jobs/min (last minute)</dd>
          <dt>Compute</dt>
          <dd data-testid="compute-share">{computeShare(status)}</dd>
          <dt>Earnings</dt>
          <dd data-testid="earnings">
            {earningFor ? (
              <>
                <span
                  data-testid="earnings-pending"
                  data-micro={String(network?.credits.pending ?? 0n)}
                >
                  {formatCredits(network?.credits.pending ?? 0n)} pending
                </span>
                {', '}
                <span
                  data-testid="earnings-verified"
                  data-micro={String(network?.credits.verified ?? 0n)}
                >
                  {formatCredits(network?.credits.verified ?? 0n)} verified
                </span>{' '}
                credits
                {(network?.credits.rejectedResults ?? 0) > 0 &&
                  `; ${network?.credits.rejectedResults} results found invalid earned nothing`}
              </>
            ) : (
              'anonymous: earns nothing'
            )}
          </dd>
          <dt>Jobs run in batches</dt>
          <dd data-testid="batched-jobs" title={`${network?.batches ?? 0} batches`}>
            {network?.batchedJobs ?? 0}
          </dd>
          {network?.lastError && (
            <>
              <dt>Last problem</dt>
              <dd>{network.lastError}</dd>
            </>
          )}
        </dl>
      )}
    </section>
  )
}

/** The models computing now, by name, or why nothing is. */
function currentJob(status: ContributorStatus): string {
  const running = status.network?.runningModels ?? []
  if (running.length > 0) {
    const names = running.map((id) => status.models.find((m) => m.id === id)?.name ?? id)
    return [...new Set(names)].join(', ')
  }
  if (status.state === 'starting') return 'loading models'
  return status.network?.state === 'connected' ? 'waiting for work' : 'none'
}

/** The engine's compute time over wall time since Start, and the limit. */
function computeShare(status: ContributorStatus): string {
  const limit = `limit ${Math.round(status.dutyCycle * 100)}% of wall time`
  const compute = status.compute
  if (!compute) return limit
  return `${(compute.computeMs / 1000).toFixed(1)} s of model runs so far; ${limit}`
}
