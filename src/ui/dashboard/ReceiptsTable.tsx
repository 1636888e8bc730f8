import { useCallback, useEffect, useId, useState } from 'react'
import type { LedgerEntriesPage } from '../../protocol/ledger/ledgerViews.ts'
import { useAsync } from '../useAsync.ts'
import type { DashboardApi, EntryFilters, ModelSummary } from './createDashboardApi.ts'
import { DashboardNotice } from './DashboardNotice.tsx'
import { formatCredits } from './formatCredits.ts'

export type ReceiptsTableProps = {
  api: Pick<DashboardApi, 'entries' | 'csvUrl'>
  wallet: string
  models: readonly ModelSummary[]
  /** Shows the role filter and the referral column. */
  partner: boolean
  /** Changes when the page should reload (the Refresh button). */
  refresh: number
}

const PAGE_SIZES = [10, 25, 50, 100] as const

const DECISIONS: Record<string, string> = {
  valid: 'Verified',
  unchecked: 'Accepted unchecked',
}
const METHODS: Record<string, string> = {
  'spot-check': 'by a re-run',
  redundancy: 'by other workers',
  sampling: 'not sampled',
  standing: 'by standing',
}

/**
 * Every ledger entry as a receipt (job, model, backend, time, amount, decision, signature), newest
 * first, with filters, pages by cursor (stable while new entries arrive) and CSV export of the
 * filtered entries.
 */
export function ReceiptsTable({ api, wallet, models, partner, refresh }: ReceiptsTableProps) {
  const id = useId()
  const [filters, setFilters] = useState<EntryFilters>({})
  const [limit, setLimit] = useState<number>(10)
  // Cursors of the pages walked so far: cursors[n] opens page n (page 0 has none).
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined])
  const pageIndex = cursors.length - 1
  const cursor = cursors[pageIndex]

  // biome-ignore lint/correctness/useExhaustiveDependencies: a refresh or a new filter starts again at the newest page
  useEffect(() => setCursors([undefined]), [filters, limit, refresh])

  const load = useCallback(
    (signal: AbortSignal): Promise<LedgerEntriesPage> =>
      api.entries(wallet, { ...filters, limit, cursor }, { signal }),
    [api, wallet, filters, limit, cursor],
  )
  const state = useAsync(load)
  // The totals come with the first page of a walk; later pages keep them.
  const [matching, setMatching] = useState<LedgerEntriesPage['matching']>(null)
  useEffect(() => {
    if (state.status === 'ready' && state.value.matching) setMatching(state.value.matching)
  }, [state])
  const update = (change: Partial<EntryFilters>) =>
    setFilters((current) => ({ ...current, ...change }))
  const filtered = Object.values(filters).some((value) => value)
  const pages = matching ? Math.max(1, Math.ceil(matching.entries / limit)) : 1

  return (
    <section className="card dash-receipts" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Receipts</h2>
      <form className="dash-filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Model
          <select
            data-testid="filter-model"
            value={filters.model ?? ''}
            onChange={(event) => update({ model: event.target.value || undefined })}
          >
            <option value="">All models</option>
            {models.map((model) => (
              <option key={model.id} value={model.id}>
                {model.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Decision
          <select
            data-testid="filter-decision"
            value={filters.decision ?? ''}
            onChange={(event) =>
              update({ decision: (event.target.value || undefined) as EntryFilters['decision'] })
            }
          >
            <option value="">Any</option>
            <option value="valid">Verified</option>
            <option value="unchecked">Accepted unchecked</option>
          </select>
        </label>
        {partner && (
          <label>
            Role
            <select
              data-testid="filter-role"
              value={filters.role ?? ''}
              onChange={(event) =>
                update({ role: (event.target.value || undefined) as EntryFilters['role'] })
              }
            >
              <option value="">Both</option>
              <option value="worker">Your work</option>
              <option value="partner">Partner share</option>
            </select>
          </label>
        )}
        <label>
          From (UTC)
          <input
            type="date"
            data-testid="filter-from"
            value={filters.from ?? ''}
            max={filters.to}
            onChange={(event) => update({ from: event.target.value || undefined })}
          />
        </label>
        <label>
          To (UTC)
          <input
            type="date"
            data-testid="filter-to"
            value={filters.to ?? ''}
            min={filters.from}
            onChange={(event) => update({ to: event.target.value || undefined })}
          />
        </label>
        <div className="dash-filter-actions">
          <button
            type="button"
            className="secondary"
            disabled={!filtered}
            onClick={() => setFilters({})}
          >
            Clear filters
          </button>
          <a
            className="dash-button-link"
            data-testid="export-csv"
            href={api.csvUrl(wallet, filters)}
            download
          >
            Export CSV{filtered ? ' (filtered)' : ''}
          </a>
        </div>
      </form>

      {state.status === 'error' ? (
        <DashboardNotice
          error={state.error}
          action={
            <button type="button" className="secondary" onClick={() => setFilters({ ...filters })}>
              Retry
            </button>
          }
        />
      ) : state.status === 'loading' ? (
        <p aria-live="polite" className="dash-muted">
          Loading receipts…
        </p>
      ) : state.value.entries.length === 0 ? (
        <p data-testid="receipts-empty">
          {filtered
            ? 'No receipts match these filters. Clear them to see every receipt.'
            : 'No receipts yet. Each verified or accepted result of this wallet appears here with what it earned.'}
        </p>
      ) : (
        <>
          <p className="dash-muted" aria-live="polite" data-testid="receipts-summary">
            {matching?.entries} receipts
            {filtered ? ' match' : ''}, {formatCredits(matching?.amount ?? '0')} credits in all.
            Page {pageIndex + 1} of {pages}.
          </p>
          <div className="dash-scroll">
            <table className="dash-table" data-testid="receipts">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Job</th>
                  <th scope="col">Model</th>
                  <th scope="col">Backend</th>
                  <th scope="col" className="dash-num">
                    Amount (credits)
                  </th>
                  <th scope="col">Decision</th>
                  {partner && <th scope="col">Referred by you</th>}
                  <th scope="col">Signature</th>
                </tr>
              </thead>
              <tbody>
                {state.value.entries.map((entry) => (
                  <tr key={entry.id} data-entry-id={entry.id}>
                    <td>
                      <time dateTime={entry.createdAt} title={`Result accepted ${entry.resultAt}`}>
                        {new Date(entry.createdAt).toLocaleString(undefined, {
                          dateStyle: 'short',
                          timeStyle: 'medium',
                        })}
                      </time>
                    </td>
                    <td>
                      <code title={entry.jobId}>{entry.jobId.slice(0, 8)}</code>
                    </td>
                    <td>{entry.modelName ?? <code>{entry.modelId.slice(0, 10)}</code>}</td>
                    <td>{entry.backend}</td>
                    <td className="dash-num" data-micro={entry.amount}>
                      {formatCredits(entry.amount)}
                      {entry.bucket === 'pending' && (
                        <span className="dash-tag dash-tag-pending">pending</span>
                      )}
                    </td>
                    <td title={entry.reason}>
                      {DECISIONS[entry.decision] ?? entry.decision}{' '}
                      <span className="dash-muted dash-method">
                        {METHODS[entry.method] ?? entry.method}
                      </span>
                      {entry.reverses && <span className="dash-tag">reversal</span>}
                    </td>
                    {partner && (
                      <td>
                        {entry.referral
                          ? `${entry.referral.source} (${entry.referral.kind})`
                          : 'your own work'}
                      </td>
                    )}
                    <td>
                      <code className="dash-signature" title={entry.signature}>
                        {entry.signature.slice(0, 8)}…{entry.signature.slice(-4)}
                      </code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="dash-pager" aria-label="Receipt pages">
            <button
              type="button"
              className="secondary"
              data-testid="page-newer"
              disabled={pageIndex === 0}
              onClick={() => setCursors((current) => current.slice(0, -1))}
            >
              ← Newer
            </button>
            <button
              type="button"
              className="secondary"
              data-testid="page-older"
              disabled={!state.value.nextCursor}
              onClick={() => {
                const next = state.status === 'ready' ? state.value.nextCursor : null
                if (next) setCursors((current) => [...current, next])
              }}
            >
              Older →
            </button>
            <label>
              Per page
              <select
                value={limit}
                onChange={(event) => setLimit(Number(event.target.value))}
                data-testid="page-size"
              >
                {PAGE_SIZES.map((size) => (
                  <option key={size} value={size}>
                    {size}
                  </option>
                ))}
              </select>
            </label>
          </nav>
        </>
      )}
    </section>
  )
}
