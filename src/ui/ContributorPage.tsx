import { ContributorCard } from './ContributorCard.tsx'
import { DeviceCard } from './DeviceCard.tsx'
import { GatewayStatus } from './GatewayStatus.tsx'

/** `/`: what the grid is, and this tab's contribution. */
export function ContributorPage() {
  return (
    <>
      <p className="lede">
        Lend this tab&rsquo;s GPU or CPU to run open AI models for people who need them. Every
        result is checked and signed, and verified work earns credit for the wallet you connect.
      </p>
      <div className="cards">
        <ContributorCard />
        <DeviceCard />
        <GatewayStatus />
      </div>
    </>
  )
}
