import type { LedgerSummary } from '../../protocol/ledger/ledgerViews.ts'

export type StandingCardProps = { summary: LedgerSummary }

/** The wallet's standing as a worker: verdicts so far, and the suspension reason if any. */
export function StandingCard({ summary }: StandingCardProps) {
  const { standing } = summary
  return (
    <section className="card" aria-labelledby="dash-standing-title">
      <h2 id="dash-standing-title">Standing</h2>
      {!standing ? (
        <p data-testid="standing">
          No results judged yet. Contribute with this wallet connected and its results appear here
          once verified.
        </p>
      ) : standing.suspendedAt ? (
        <div className="dash-notice" role="alert" data-testid="standing">
          <p>
            <strong>Suspended</strong> since {new Date(standing.suspendedAt).toLocaleString()}.
          </p>
          <p>{standing.suspendReason}</p>
        </div>
      ) : (
        <p data-testid="standing">
          <strong>Good standing.</strong> {standing.validStreak} results in a row without a wrong
          one.
        </p>
      )}
      {standing && (
        <dl className="facts">
          <dt>Checked and valid</dt>
          <dd data-testid="standing-valid">{standing.valid}</dd>
          <dt>Accepted unchecked</dt>
          <dd>{standing.unchecked}</dd>
          <dt>Invalid (earned nothing)</dt>
          <dd>{standing.invalid}</dd>
          <dt>Sessions</dt>
          <dd>{summary.sessions.length}</dd>
        </dl>
      )}
    </section>
  )
}
