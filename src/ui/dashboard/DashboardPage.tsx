/** `/dashboard`: a wallet's earnings (Sign-In with Ethereum). Loaded only when visited. */
export function DashboardPage() {
  return (
    <section className="card" aria-labelledby="dashboard-title">
      <h2 id="dashboard-title">Earnings</h2>
      <p>Sign in with your wallet to see your earnings.</p>
    </section>
  )
}
