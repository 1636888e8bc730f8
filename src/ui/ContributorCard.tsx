import { useCallback, useState, useSyncExternalStore } from 'react'
import type { Contributor, ContributorStatus } from './contributor/createContributor.ts'

const idle: ContributorStatus = { state: 'idle', models: [], network: undefined, error: undefined }

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

/**
 * Start/Stop for contributing this tab, and what it is doing. The worker code (libp2p, the
 * engine, onnxruntime-web) is imported only when Start is pressed.
 */
export function ContributorCard() {
  const [contributor, setContributor] = useState<Contributor | undefined>()
  const subscribe = useCallback(
    (listener: () => void) => contributor?.subscribe(listener) ?? (() => undefined),
    [contributor],
  )
  const status = useSyncExternalStore(subscribe, () => contributor?.status() ?? idle)
  const [loadError, setLoadError] = useState<string | undefined>()
  const active = status.state === 'starting' || status.state === 'running'

  const start = async () => {
    setLoadError(undefined)
    try {
      const { createContributor } = await import('./contributor/createContributor.ts')
      const next = createContributor({ allowInsecureLocal: isLocalPage() })
      setContributor(next)
      await next.start()
    } catch (error) {
      setLoadError(error instanceof Error ? error.message : String(error))
    }
  }
  const stop = () => {
    void contributor?.stop()
  }

  const network = status.network
  return (
    <section className="card" aria-labelledby="contribute-title" data-testid="contributor-card">
      <h2 id="contribute-title">Contribute</h2>
      <p>
        {active
          ? 'This tab is running models for the grid. Anonymous: no wallet is connected, so it earns nothing for itself yet.'
          : 'Press Start to run models for the grid in this tab. Nothing downloads or computes before you do.'}
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
          <dt>Current jobs</dt>
          <dd data-testid="current-jobs">{network?.currentJobs.length ?? 0}</dd>
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
          {status.models.map((model) => (
            <ModelRow key={model.id} model={model} />
          ))}
        </dl>
      )}
    </section>
  )
}

function ModelRow({ model }: { model: ContributorStatus['models'][number] }) {
  return (
    <>
      <dt>{model.name}</dt>
      <dd data-testid={`model-${model.name}`}>
        {model.state === 'ready'
          ? `ready on ${model.backend?.toUpperCase()}`
          : model.state === 'failed'
            ? `not served: ${model.error}`
            : 'self-testing...'}
      </dd>
    </>
  )
}
