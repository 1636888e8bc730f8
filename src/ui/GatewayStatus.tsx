import { useAsync } from './useAsync.ts'

type Health = { status: string; version: string; uptimeS: number }

async function fetchHealth(signal: AbortSignal): Promise<Health> {
  const response = await fetch('/healthz', { signal, headers: { accept: 'application/json' } })
  if (!response.ok) throw new Error(`gateway answered ${response.status}`)
  return (await response.json()) as Health
}

export function GatewayStatus() {
  const state = useAsync(fetchHealth)
  return (
    <section className="card" aria-labelledby="gateway-title" data-testid="gateway-card">
      <h2 id="gateway-title">Gateway</h2>
      {state.status === 'loading' && <p>Contacting the gateway&hellip;</p>}
      {state.status === 'error' && (
        <p role="alert">
          The gateway is unreachable ({state.error.message}). Reload in a moment; if it persists the
          operator&rsquo;s node is down.
        </p>
      )}
      {state.status === 'ready' && (
        <dl className="facts">
          <dt>Status</dt>
          <dd data-testid="gateway-status">{state.value.status}</dd>
          <dt>Version</dt>
          <dd>{state.value.version}</dd>
          <dt>Up for</dt>
          <dd>{formatDuration(state.value.uptimeS)}</dd>
        </dl>
      )}
    </section>
  )
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds)} s`
  if (seconds < 3600) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}
