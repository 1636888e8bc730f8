import type { NetworkStats } from '../../protocol/network/NetworkStats.ts'
import { formatCount, formatRate, formatSeconds } from './formatFigures.ts'
import { useNetworkStats } from './useNetworkStats.ts'

/** How often the page asks the gateway for new figures. */
export const NETWORK_REFRESH_MS = 5000

/** How the backends workers offer are written for people. */
const backendNames: Record<string, string> = {
  wasm: 'WASM (CPU)',
  webgpu: 'WebGPU',
  webnn: 'WebNN',
}

const timeOfDay = new Intl.DateTimeFormat('en-GB', {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
})

/**
 * `/network`: the grid's live figures, read from `GET /v1/network/stats`, which the gateway
 * computes from the same metric objects as `/metrics`. Loaded only when visited.
 */
export function NetworkPage() {
  const { stats, error } = useNetworkStats(NETWORK_REFRESH_MS)
  return (
    <section className="page-section" aria-labelledby="network-title">
      <div className="page-head">
        <h2 id="network-title">Network</h2>
        <p className="page-sub">
          Live figures from this gateway, refreshed every {NETWORK_REFRESH_MS / 1000} seconds.
          {stats && (
            <>
              {' '}
              Updated <time dateTime={stats.at}>{timeOfDay.format(new Date(stats.at))}</time>.
            </>
          )}
        </p>
      </div>
      {error && (
        <p className="notice" role="status" data-testid="network-error">
          {error.message} The page keeps retrying every {NETWORK_REFRESH_MS / 1000} seconds
          {stats ? '; the figures below are the last ones received.' : '.'}
        </p>
      )}
      {!stats && !error && <p aria-live="polite">Reading the network&hellip;</p>}
      {stats && <NetworkFigures stats={stats} />}
    </section>
  )
}

function NetworkFigures({ stats }: { stats: NetworkStats }) {
  const short = stats.throughput.find((w) => w.windowSeconds === 10)
  const long = stats.throughput.find((w) => w.windowSeconds === 60)
  const servedNow = stats.models.filter((m) => m.workers > 0).length
  const verdict = (name: string) => formatCount(stats.verdicts[name] ?? 0)
  return (
    <>
      <dl className="tiles">
        <div className="tile">
          <dt>Workers online</dt>
          <dd className="tile-value" data-testid="workers-online">
            {formatCount(stats.workers.online)}
          </dd>
          <dd className="tile-note">{formatCount(stats.workers.freeSlots)} free job slots</dd>
        </div>
        <div className="tile">
          <dt>Jobs per second</dt>
          <dd className="tile-value" data-testid="jobs-per-second">
            {formatRate(short?.jobsPerSecond ?? 0)}
          </dd>
          <dd className="tile-note">
            last 10 s; {formatRate(long?.jobsPerSecond ?? 0)} over the last minute
          </dd>
        </div>
        <div className="tile">
          <dt>Queue depth</dt>
          <dd className="tile-value" data-testid="queue-depth">
            {formatCount(stats.jobs.queued)}
          </dd>
          <dd className="tile-note">
            jobs waiting; {formatCount(stats.jobs.activeLeases)} running on workers
          </dd>
        </div>
        <div className="tile">
          <dt>Models served</dt>
          <dd className="tile-value" data-testid="models-served">
            {formatCount(stats.models.length)}
          </dd>
          <dd className="tile-note">{formatCount(servedNow)} with a worker online</dd>
        </div>
      </dl>

      <div className="cards two-up">
        <section className="card" aria-labelledby="models-title">
          <h3 id="models-title">Models</h3>
          {stats.models.length === 0 ? (
            <p>This gateway serves no model yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="figures" data-testid="models-table">
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col" className="number">
                      Workers ready
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {stats.models.map((model) => (
                    <tr key={model.name}>
                      <th scope="row">{model.name}</th>
                      <td className="number">{formatCount(model.workers)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="card-note">
            Connected workers that can run the model now: a backend of theirs passed its
            known-answer self-test.
          </p>
        </section>

        <section className="card" aria-labelledby="backends-title">
          <h3 id="backends-title">Workers by backend</h3>
          {stats.backends.length === 0 ? (
            <p>No worker is online.</p>
          ) : (
            <dl className="facts" data-testid="backends">
              {stats.backends.map((backend) => (
                <div className="facts-row" key={backend.name}>
                  <dt>{backendNames[backend.name] ?? backend.name}</dt>
                  <dd>{formatCount(backend.workers)}</dd>
                </div>
              ))}
            </dl>
          )}
          <p className="card-note">
            What each online worker offered when it joined; one offering two counts under both.
          </p>
        </section>

        <section className="card" aria-labelledby="jobs-title">
          <h3 id="jobs-title">Jobs since the gateway started</h3>
          <dl className="facts">
            <dt>Submitted</dt>
            <dd data-testid="jobs-submitted">{formatCount(stats.jobs.submitted)}</dd>
            <dt>Completed</dt>
            <dd data-testid="jobs-completed">{formatCount(stats.jobs.completed)}</dd>
            <dt>Failed</dt>
            <dd>{formatCount(stats.jobs.failed)}</dd>
            <dt>Cancelled</dt>
            <dd>{formatCount(stats.jobs.cancelled)}</dd>
            <dt>Results accepted</dt>
            <dd>{formatCount(stats.results.accepted)}</dd>
            <dt>Results refused</dt>
            <dd>{formatCount(stats.results.rejected)}</dd>
            <dt>Checked valid</dt>
            <dd>{verdict('valid')}</dd>
            <dt>Found invalid</dt>
            <dd>{verdict('invalid')}</dd>
            <dt>Accepted unchecked</dt>
            <dd>{verdict('unchecked')}</dd>
          </dl>
        </section>

        <section className="card" aria-labelledby="latency-title">
          <h3 id="latency-title">Time to result</h3>
          <dl className="facts">
            <dt>Median</dt>
            <dd data-testid="latency-p50">{formatSeconds(stats.latency.p50Seconds)}</dd>
            <dt>90th percentile</dt>
            <dd>{formatSeconds(stats.latency.p90Seconds)}</dd>
            <dt>99th percentile</dt>
            <dd>{formatSeconds(stats.latency.p99Seconds)}</dd>
            <dt>Jobs measured</dt>
            <dd>{formatCount(stats.latency.count)}</dd>
          </dl>
          <p className="card-note">
            From a job&rsquo;s submission to the result that completed it, since the gateway
            started.
          </p>
        </section>
      </div>

      <section className="card about" aria-labelledby="source-title">
        <h3 id="source-title">Where these numbers come from</h3>
        <p>
          The gateway reads them from the same counters and gauges that it exposes to Prometheus at{' '}
          <a href="/metrics" target="_blank" rel="noopener">
            /metrics
          </a>
          , so the two always agree. <strong>Jobs per second</strong> is the number of jobs
          completed during the last 10 seconds (or minute) divided by that time; while the gateway
          is younger than the window, by its age. Percentiles are estimated from the latency
          histogram&rsquo;s buckets, as Prometheus&rsquo;s <code>histogram_quantile</code> does. The
          figures as JSON:{' '}
          <a href="/v1/network/stats" target="_blank" rel="noopener">
            /v1/network/stats
          </a>
          .
        </p>
      </section>
    </>
  )
}
