import type { ReferralsView } from '../../protocol/ledger/ledgerViews.ts'
import { EarningsChart } from './EarningsChart.tsx'
import { formatCredits } from './formatCredits.ts'

export type ReferralsCardProps = { referrals: ReferralsView }

/**
 * A partner's share: what visitors brought by its widget earned it, per day and per referred
 * contributor. Contributors are shown by pseudonym: the gateway never tells a partner which
 * wallet a visitor used, and it does not record which page of the partner's site they came from.
 */
export function ReferralsCard({ referrals }: ReferralsCardProps) {
  const { totals } = referrals
  return (
    <section className="card" aria-labelledby="dash-referrals-title" data-testid="referrals">
      <h2 id="dash-referrals-title">Referrals (partner share)</h2>
      <p>
        Visitors your widget brought earned you{' '}
        <strong data-testid="referrals-verified" data-micro={totals.verified}>
          {formatCredits(totals.verified)} credits
        </strong>{' '}
        verified and{' '}
        <strong data-testid="referrals-pending" data-micro={totals.pending}>
          {formatCredits(totals.pending)} credits
        </strong>{' '}
        pending, from {totals.results} results by {totals.sources} contributor
        {totals.sources === 1 ? '' : 's'}.
      </p>
      <EarningsChart days={referrals.days} label="Partner share per day, in credits" />
      <div className="dash-scroll">
        <table className="dash-table" data-testid="referral-sources">
          <caption>By referred contributor (pseudonyms, not wallets)</caption>
          <thead>
            <tr>
              <th scope="col">Contributor</th>
              <th scope="col">Wallet</th>
              <th scope="col" className="dash-num">
                Visits
              </th>
              <th scope="col" className="dash-num">
                Results
              </th>
              <th scope="col" className="dash-num">
                Verified
              </th>
              <th scope="col" className="dash-num">
                Pending
              </th>
              <th scope="col">Days</th>
            </tr>
          </thead>
          <tbody>
            {referrals.sources.map((source) => (
              <tr key={source.source} data-source={source.source}>
                <th scope="row">
                  <code>{source.source}</code>
                </th>
                <td>{source.kind === 'wallet' ? 'connected' : 'anonymous'}</td>
                <td className="dash-num">{source.sessions}</td>
                <td className="dash-num">{source.results}</td>
                <td className="dash-num" data-micro={source.verified}>
                  {formatCredits(source.verified)}
                </td>
                <td className="dash-num" data-micro={source.pending}>
                  {formatCredits(source.pending)}
                </td>
                <td>
                  {source.firstDay === source.lastDay
                    ? source.firstDay
                    : `${source.firstDay} – ${source.lastDay}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  )
}
