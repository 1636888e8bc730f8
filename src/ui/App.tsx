import { lazy, Suspense, useEffect } from 'react'
import { ContributorPage } from './ContributorPage.tsx'
import { NavLink } from './routing/NavLink.tsx'
import { type Route, useRoute } from './routing/useRoute.ts'

// The dashboard (charting) and the network page load only when visited.
const DashboardPage = lazy(() =>
  import('./dashboard/DashboardPage.tsx').then((m) => ({ default: m.DashboardPage })),
)
const NetworkPage = lazy(() =>
  import('./network/NetworkPage.tsx').then((m) => ({ default: m.NetworkPage })),
)

const titles: Record<Route, string> = {
  '/': 'Inference Grid',
  '/dashboard': 'Dashboard · Inference Grid',
  '/network': 'Network · Inference Grid',
}

/**
 * The app's frame and its three pages. The contributor page stays mounted (hidden) while another
 * page shows, so a running contribution goes on while its owner reads the dashboard.
 */
export function App() {
  const route = useRoute()
  useEffect(() => {
    document.title = titles[route]
  }, [route])
  return (
    <div className="page">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="masthead">
        <img className="logo" src="/favicon.svg" alt="" width={32} height={32} />
        <h1>Inference Grid</h1>
        <nav className="site-nav" aria-label="Pages">
          <NavLink to="/">Contribute</NavLink>
          <NavLink to="/dashboard">Dashboard</NavLink>
          <NavLink to="/network">Network</NavLink>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        <div hidden={route !== '/'}>
          <ContributorPage />
        </div>
        <Suspense fallback={<p aria-live="polite">Loading&hellip;</p>}>
          {route === '/dashboard' && <DashboardPage />}
          {route === '/network' && <NetworkPage />}
        </Suspense>
      </main>
      <footer className="footer">
        <p>
          Nothing runs on this device until you choose to contribute. Closing the tab stops
          everything.
        </p>
        {/* New tabs: leaving this page would stop a running contribution. */}
        <ul className="footer-links" aria-label="For operators">
          <li>
            <a href="/metrics" target="_blank" rel="noopener">
              Prometheus metrics
            </a>
          </li>
          <li>
            <a href="/v1/network/stats" target="_blank" rel="noopener">
              Network figures (JSON)
            </a>
          </li>
          <li>
            <a href="/v1/openapi.json" target="_blank" rel="noopener">
              Requester API
            </a>
          </li>
          <li>
            <a href="/healthz" target="_blank" rel="noopener">
              Health
            </a>
          </li>
        </ul>
      </footer>
    </div>
  )
}
