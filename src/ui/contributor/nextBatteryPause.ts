export type NextBatteryPauseParameters = {
  /** Whether the battery rule holds the tab paused now. */
  paused: boolean
  /** 0 to 1, as the Battery Status API reports it. */
  level: number
  charging: boolean
  /** Percent: pause below this while not charging... */
  stopBelow: number
  /** ...and resume at or above this (or when charging). */
  resumeAbove: number
}

/**
 * The battery rule with hysteresis: on battery, a level under `stopBelow` pauses; once paused,
 * only a level back at `resumeAbove` (or a charger) resumes. Between the two the state stays as it
 * was, so a level hovering at the threshold does not start and stop the tab over and over.
 */
export function nextBatteryPause(parameters: NextBatteryPauseParameters): boolean {
  const { paused, level, charging, stopBelow, resumeAbove } = parameters
  if (charging) return false
  const percent = level * 100
  if (paused) return percent < resumeAbove
  return percent < stopBelow
}
