/** How often single-replica results of an identity are re-run (BOINC-style adaptive replication). */
export type SpotCheckPolicy = {
  /** The rate never drops below this (the operator's floor), 0..1. */
  floor: number
  /** Consecutive valid checked results before the rate starts to fall (new or recently wrong). */
  probation: number
}

export type SpotCheckStanding = {
  /** Results since the last invalid one (checked valid, or accepted unchecked). */
  validStreak: number
  /** Invalid results so far: after one, probation lasts `watchFactor` times longer. */
  invalid: number
  suspended: boolean
}

/** After an invalid result, the probation is this many times longer (the identity is watched). */
export const WATCH_FACTOR = 4

/**
 * The probability that the next single-replica result of a worker identity is re-run: 1 during
 * probation (a new identity, or one whose last checked result was invalid: its streak is 0, and
 * once it has been wrong its probation is WATCH_FACTOR times longer), then
 * (probation / (streak + 1))^3, never below the floor. The cube makes the checks a long honest run
 * costs converge (about 1.5 x probation in all, plus the floor), while a worker that starts
 * tampering right after probation is still checked often early on.
 */
export function spotCheckRate(policy: SpotCheckPolicy, standing: SpotCheckStanding): number {
  const probation = standing.invalid > 0 ? policy.probation * WATCH_FACTOR : policy.probation
  if (standing.suspended || standing.validStreak < probation) return 1
  const decayed = (probation / (standing.validStreak + 1)) ** 3
  return Math.min(1, Math.max(policy.floor, decayed))
}
