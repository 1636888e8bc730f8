import { useState } from 'react'
import { ContributorCard } from './ContributorCard.tsx'
import { ControlsCard } from './contributor/ControlsCard.tsx'
import type { Contributor } from './contributor/createContributor.ts'
import { ModelsCard } from './contributor/ModelsCard.tsx'
import { useContributorControls } from './contributor/useContributorControls.ts'
import { useContributorSettings } from './contributor/useContributorSettings.ts'
import { useContributorStatus } from './contributor/useContributorStatus.ts'
import { DeviceCard } from './DeviceCard.tsx'
import { GatewayStatus } from './GatewayStatus.tsx'

/**
 * `/`: what the grid is, and this tab's contribution. The page owns the contributor that Start
 * creates, so every card shows the same status and the controls apply to it live.
 */
export function ContributorPage() {
  const [contributor, setContributor] = useState<Contributor | undefined>()
  const status = useContributorStatus(contributor)
  const [settings, update] = useContributorSettings()
  const { battery } = useContributorControls(contributor, settings)
  const active = status.state === 'starting' || status.state === 'running'
  const storageRevision = `${status.state}:${status.models.filter((m) => m.state === 'ready').length}`
  return (
    <>
      <p className="lede">
        Lend this tab&rsquo;s GPU or CPU to run open AI models for people who need them. Every
        result is checked and signed, and verified work earns credit for the wallet you connect.
      </p>
      <div className="cards">
        <ContributorCard
          contributor={contributor}
          status={status}
          onContributor={setContributor}
          settings={settings}
        />
        <ModelsCard status={status} />
        <ControlsCard
          settings={settings}
          update={update}
          battery={battery}
          active={active}
          storageRevision={storageRevision}
        />
        <DeviceCard engine={status.engine} />
        <GatewayStatus />
      </div>
    </>
  )
}
