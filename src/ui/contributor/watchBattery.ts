export type BatteryReading = { level: number; charging: boolean }

export type WatchBatteryReturnType =
  | { available: true; stop(): void }
  | { available: false; reason: string }

type BatteryManagerLike = EventTarget & { level: number; charging: boolean }
type NavigatorWithBattery = { getBattery?: () => Promise<BatteryManagerLike> }

/**
 * Reads the Battery Status API (navigator.getBattery, Chromium only) and calls `onChange` with
 * the level and charging state now and at each change. Where the API is missing (Firefox,
 * Safari) or refused, says so: the page must tell the contributor the battery rule cannot apply.
 */
export async function watchBattery(
  onChange: (reading: BatteryReading) => void,
  navigatorLike: NavigatorWithBattery = globalThis.navigator as NavigatorWithBattery,
): Promise<WatchBatteryReturnType> {
  if (typeof navigatorLike?.getBattery !== 'function')
    return {
      available: false,
      reason:
        'This browser does not report its battery (no Battery Status API), so the battery rule cannot apply here.',
    }
  let battery: BatteryManagerLike
  try {
    battery = await navigatorLike.getBattery()
  } catch (error) {
    return {
      available: false,
      reason: `The browser refused to report the battery (${error instanceof Error ? error.message : String(error)}), so the battery rule cannot apply here.`,
    }
  }
  const report = () => onChange({ level: battery.level, charging: battery.charging })
  battery.addEventListener('levelchange', report)
  battery.addEventListener('chargingchange', report)
  report()
  return {
    available: true,
    stop() {
      battery.removeEventListener('levelchange', report)
      battery.removeEventListener('chargingchange', report)
    },
  }
}
