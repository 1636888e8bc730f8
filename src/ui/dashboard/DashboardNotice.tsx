import type { ReactNode } from 'react'

export type DashboardNoticeProps = {
  error: Error
  /** A button or link that lets the person act (retry, sign in again). */
  action?: ReactNode
}

/** What to do about a failure, in words a person can act on; the gateway's sentence kept. */
export function DashboardNotice({ error, action }: DashboardNoticeProps) {
  const code = (error as { code?: string }).code
  const short = (error as { shortMessage?: string }).shortMessage ?? error.message
  const advice =
    code === 'LEDGER_UNAUTHORIZED' || code === 'AUTH_REQUIRED'
      ? 'Your sign-in has ended. Sign in again with the wallet whose earnings you want to see.'
      : code === 'AUTH_FORBIDDEN'
        ? 'You are signed in as another wallet. Sign out, then sign in with the wallet whose earnings you want to see.'
        : code === 'LEDGER_INVALID_QUERY'
          ? 'A filter is not valid: change it or clear the filters.'
          : undefined
  return (
    <div className="dash-notice" role="alert">
      <p>{advice ?? short}</p>
      {advice && <p className="dash-muted">{short}</p>}
      {action}
    </div>
  )
}
