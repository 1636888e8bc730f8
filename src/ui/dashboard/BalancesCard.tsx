import type { LedgerSummary } from '../../protocol/ledger/ledgerViews.ts'
import { formatCredits } from './formatCredits.ts'

export type BalancesCardProps = { summary: LedgerSummary }

function Amount({ micro, testId }: { micro: string; testId: string }) {
  return (
    <>
      <span className="dash-amount" data-testid={testId} data-micro={micro}>
        {formatCredits(micro)} <abbr title="1 credit = 1,000,000 micro-credits">credits</abbr>
      </span>
      <span className="dash-muted dash-micro">
        {BigInt(micro).toLocaleString('en-US')} micro-credits
      </span>
    </>
  )
}

/** Verified and pending balances, per role, and what is still being verified. */
export function BalancesCard({ summary }: BalancesCardProps) {
  const roles = summary.byRole.filter((role) => role.role !== 'network')
  return (
    <section className="card" aria-labelledby="dash-balances-title">
      <h2 id="dash-balances-title">Balances</h2>
      <dl className="dash-balances">
        <div>
          <dt>Verified</dt>
          <dd>
            <Amount micro={summary.balances.verified} testId="balance-verified" />
          </dd>
        </div>
        <div>
          <dt>Pending</dt>
          <dd>
            <Amount micro={summary.balances.pending} testId="balance-pending" />
          </dd>
        </div>
      </dl>
      <p className="dash-muted">
        Verified credit was checked (a re-run or other workers agreed) or released after the
        holdback. Pending credit was accepted without a check and is held back until the holdback
        ends; it is taken back if the wallet is suspended first.
        {summary.awaitingVerification > 0 &&
          ` ${summary.awaitingVerification} result${summary.awaitingVerification === 1 ? ' is' : 's are'} still being verified and not counted yet.`}
      </p>
      {roles.length > 1 && (
        <table className="dash-table dash-compact">
          <caption>By role</caption>
          <thead>
            <tr>
              <th scope="col">Role</th>
              <th scope="col">Verified</th>
              <th scope="col">Pending</th>
            </tr>
          </thead>
          <tbody>
            {roles.map((role) => (
              <tr key={role.role}>
                <th scope="row">{role.role === 'partner' ? 'Partner share' : 'Your work'}</th>
                <td>{formatCredits(role.verified)}</td>
                <td>{formatCredits(role.pending)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
