import { WalletButton } from '../wallet/WalletButton.tsx'
import { DashboardNotice } from './DashboardNotice.tsx'

export type SignInPanelProps = {
  /** The connected wallet's address, if one is connected. */
  address: string | undefined
  pending: boolean
  error: Error | undefined
  onSignIn: () => void
}

/** Before sign-in: connect the wallet, then one signature (Sign-In with Ethereum). */
export function SignInPanel({ address, pending, error, onSignIn }: SignInPanelProps) {
  return (
    <section className="card dash-signin" aria-labelledby="dash-signin-title">
      <h2 id="dash-signin-title">See what you earned</h2>
      <p>
        Sign in with the wallet whose earnings you want to see. Signing in is one signature of a
        short message: no transaction, no fee, nothing leaves your wallet.
      </p>
      <ol className="dash-steps">
        <li aria-current={address ? undefined : 'step'}>
          <span>Connect the wallet.</span>
          <WalletButton />
        </li>
        <li aria-current={address ? 'step' : undefined}>
          <span>Sign in with Ethereum.</span>
          <button
            type="button"
            data-testid="dash-sign-in"
            disabled={!address || pending}
            onClick={onSignIn}
          >
            {pending ? 'Waiting for the wallet…' : 'Sign in'}
          </button>
        </li>
      </ol>
      {error && <DashboardNotice error={error} />}
    </section>
  )
}
