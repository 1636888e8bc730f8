import { type ContributorSettings, DUTY_CYCLES } from './createSettingsStore.ts'
import { StorageControl } from './StorageControl.tsx'
import type { BatteryView } from './useContributorControls.ts'

export type ControlsCardProps = {
  settings: ContributorSettings
  update(change: (settings: ContributorSettings) => ContributorSettings): void
  battery: BatteryView
  /** The tab is starting or running. */
  active: boolean
  /** Changes when the model cache may have changed. */
  storageRevision: string
}

/**
 * The contributor's controls, each labelled and usable from the keyboard, saved in this browser
 * and applied at once while the tab runs (the download cap: at the next Start, when models are
 * fetched).
 */
export function ControlsCard(props: ControlsCardProps) {
  const { settings, update, battery, active } = props
  const capText = settings.maxDownloadMB === null ? '' : String(settings.maxDownloadMB)
  return (
    <section className="card controls" aria-labelledby="controls-title" data-testid="controls-card">
      <h2 id="controls-title">Controls</h2>
      <div className="control">
        <label htmlFor="duty-cycle" className="control-label">
          Compute at most
        </label>
        <select
          id="duty-cycle"
          data-testid="duty-cycle"
          value={String(settings.dutyCycle)}
          onChange={(event) => {
            const dutyCycle = Number(event.target.value)
            update((s) => ({ ...s, dutyCycle }))
          }}
          aria-describedby="duty-cycle-hint"
        >
          {DUTY_CYCLES.map((d) => (
            <option key={d} value={String(d)}>
              {Math.round(d * 100)}% of the time
            </option>
          ))}
        </select>
        <p id="duty-cycle-hint" className="muted">
          After each model run the tab rests in proportion, so the fan and battery get a break.
        </p>
      </div>

      <div className="control">
        <label className="check">
          <input
            type="checkbox"
            data-testid="pause-hidden"
            checked={settings.pauseWhenHidden}
            onChange={(event) => {
              const pauseWhenHidden = event.target.checked
              update((s) => ({ ...s, pauseWhenHidden }))
            }}
          />
          Pause while this tab is hidden
        </label>
      </div>

      <fieldset className="control">
        <legend className="control-label">Battery</legend>
        <label className="check">
          <input
            type="checkbox"
            data-testid="battery-enabled"
            checked={settings.battery.enabled}
            onChange={(event) => {
              const enabled = event.target.checked
              update((s) => ({ ...s, battery: { ...s.battery, enabled } }))
            }}
          />
          Pause on battery when low
        </label>
        <div className="inline-fields">
          <label>
            Pause below{' '}
            <input
              type="number"
              min={0}
              max={99}
              step={1}
              data-testid="battery-stop-below"
              value={settings.battery.stopBelow}
              onChange={(event) => {
                const stopBelow = event.target.valueAsNumber
                if (Number.isFinite(stopBelow))
                  update((s) => ({ ...s, battery: { ...s.battery, stopBelow } }))
              }}
            />{' '}
            %
          </label>
          <label>
            Resume at{' '}
            <input
              type="number"
              min={1}
              max={100}
              step={1}
              data-testid="battery-resume-above"
              value={settings.battery.resumeAbove}
              onChange={(event) => {
                const resumeAbove = event.target.valueAsNumber
                if (Number.isFinite(resumeAbove))
                  update((s) => ({ ...s, battery: { ...s.battery, resumeAbove } }))
              }}
            />{' '}
            %
          </label>
        </div>
        <p className="muted" data-testid="battery-status" aria-live="polite">
          {batteryText(battery, settings)}
        </p>
      </fieldset>

      <div className="control">
        <label htmlFor="download-cap" className="control-label">
          Download cap (MB)
        </label>
        <input
          id="download-cap"
          type="number"
          min={0}
          step={1}
          inputMode="numeric"
          placeholder="no cap"
          data-testid="download-cap"
          value={capText}
          onChange={(event) => {
            const value = event.target.value.trim()
            const mb = value === '' ? null : Number(value)
            if (mb === null || (Number.isFinite(mb) && mb >= 0))
              update((s) => ({ ...s, maxDownloadMB: mb }))
          }}
          aria-describedby="download-cap-hint"
        />
        <p id="download-cap-hint" className="muted">
          Models that would take this browser past the cap are not downloaded (empty: no cap).
          {active ? ' A change applies at the next Start.' : ''}
        </p>
      </div>

      <StorageControl active={active} revision={props.storageRevision} />
    </section>
  )
}

function batteryText(battery: BatteryView, settings: ContributorSettings): string {
  if (battery.available === undefined) return 'Reading the battery…'
  if (!battery.available) return battery.reason
  const { reading } = battery
  if (!reading) return 'Reading the battery…'
  const level = `Battery ${Math.round(reading.level * 100)}%, ${reading.charging ? 'charging' : 'on battery'}.`
  if (!settings.battery.enabled) return `${level} The battery rule is off.`
  if (battery.paused)
    return `${level} Paused: resumes at ${settings.battery.resumeAbove}% or when charging.`
  return `${level} Pauses below ${settings.battery.stopBelow}% when not charging.`
}
