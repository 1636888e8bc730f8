import { ContributorCard } from './ContributorCard.tsx'
import { DeviceCard } from './DeviceCard.tsx'
import { GatewayStatus } from './GatewayStatus.tsx'

export function App() {
  return (
    <div className="page">
      <header className="masthead">
        <img src="/favicon.svg" alt="" width={32} height={32} />
        <h1>Inference Grid</h1>
      </header>
      <main>
        <p className="lede">
          Lend this tab&rsquo;s GPU or CPU to run open AI models for people who need them. Every
          result is checked and signed, and verified work earns credit for the wallet you connect.
        </p>
        <div className="cards">
          <ContributorCard />
          <DeviceCard />
          <GatewayStatus />
        </div>
      </main>
      <footer className="footer">
        Nothing runs on this device until you choose to contribute. Closing the tab stops
        everything.
      </footer>
    </div>
  )
}
