import { useEffect, useRef, useState } from 'react'
import type { Contributor } from './createContributor.ts'
import type { ContributorSettings } from './createSettingsStore.ts'
import { nextBatteryPause } from './nextBatteryPause.ts'
import { type BatteryReading, watchBattery } from './watchBattery.ts'

export type BatteryView =
  | { available: undefined }
  | { available: false; reason: string }
  | { available: true; reading: BatteryReading | undefined; paused: boolean }

export type UseContributorControlsReturnType = {
  battery: BatteryView
  hidden: boolean
}

/**
 * Applies the contributor's controls to a running contributor, live: the duty cycle, the pause
 * while the tab is hidden (document.visibilityState), and the battery rule (Battery Status API,
 * with hysteresis). Each pause is one reason; the contributor takes no new jobs while any holds.
 */
export function useContributorControls(
  contributor: Contributor | undefined,
  settings: ContributorSettings,
): UseContributorControlsReturnType {
  const { dutyCycle, pauseWhenHidden } = settings
  const { enabled, stopBelow, resumeAbove } = settings.battery

  useEffect(() => {
    contributor?.setDutyCycle(dutyCycle)
  }, [contributor, dutyCycle])

  const [hidden, setHidden] = useState(() => globalThis.document?.visibilityState === 'hidden')
  useEffect(() => {
    const onChange = () => setHidden(document.visibilityState === 'hidden')
    document.addEventListener('visibilitychange', onChange)
    onChange()
    return () => document.removeEventListener('visibilitychange', onChange)
  }, [])
  useEffect(() => {
    contributor?.setPaused('hidden', pauseWhenHidden && hidden)
  }, [contributor, pauseWhenHidden, hidden])

  const [reading, setReading] = useState<BatteryReading | undefined>()
  const [support, setSupport] = useState<{ available: boolean; reason?: string } | undefined>()
  useEffect(() => {
    let stop: (() => void) | undefined
    let cancelled = false
    void watchBattery(setReading).then((watch) => {
      if (cancelled) {
        if (watch.available) watch.stop()
        return
      }
      if (watch.available) stop = watch.stop
      setSupport(watch.available ? { available: true } : watch)
    })
    return () => {
      cancelled = true
      stop?.()
    }
  }, [])

  const pausedRef = useRef(false)
  const [batteryPaused, setBatteryPaused] = useState(false)
  useEffect(() => {
    const next =
      enabled && reading !== undefined
        ? nextBatteryPause({ paused: pausedRef.current, ...reading, stopBelow, resumeAbove })
        : false
    pausedRef.current = next
    setBatteryPaused(next)
  }, [enabled, stopBelow, resumeAbove, reading])
  useEffect(() => {
    contributor?.setPaused('battery', batteryPaused)
  }, [contributor, batteryPaused])

  const battery: BatteryView =
    support === undefined
      ? { available: undefined }
      : support.available
        ? { available: true, reading, paused: batteryPaused }
        : { available: false, reason: support.reason ?? 'The battery cannot be read here.' }
  return { battery, hidden }
}
