import { describe, expect, test } from 'vitest'
import { runAdversarial } from '../../fixtures/adversarialRun.ts'

/**
 * The small version of the adversarial run (the 2,000-job one is `npm run bench
 * verification`): 4 honest wallets and 2 that falsify 20% of their Silero VAD results, 200 jobs,
 * the default policy (adaptive spot-checks on onnxruntime-node). What must hold whatever the
 * sampling draws: every checked tampered result is caught, a suspended wallet keeps no credit for
 * tampering, honest workers get everything they are owed, nobody honest is judged invalid. Whether
 * a tamperer escapes sampling altogether is a probability (about 4% per tamperer here: it must
 * pass 10 probation checks, 0.8^10): the run prints it, the bench reports it at 2,000 jobs. The
 * cost in re-runs is printed, not asserted (benchmarks measure; tests judge).
 */
describe('adversarial run', () => {
  test('behavior: 200 jobs, 20% tampering on 2 of 6 wallets: no credit for tampering, none lost', async () => {
    const report = await runAdversarial({
      jobs: 200,
      honestWorkers: 4,
      tamperingWorkers: 2,
      tamperRate: 0.2,
      seed: 6,
    })
    console.log(JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
    expect(report.tampered).toBeGreaterThan(0)
    expect(report.tamperedCaught).toBeGreaterThan(0)
    expect(report.suspendedTamperers).toBeGreaterThan(0)
    expect(report.tamperedValid).toBe(0)
    expect(report.tamperedResultsCreditOfSuspended).toBe(0n)
    expect(report.tamperersPendingCredit).toBe(0n)
    expect(report.honestInvalid).toBe(0)
    expect(report.honestVerifiedCredit).toBe(report.honestOwed)
    expect(report.honestOwed).toBeGreaterThan(0n)
    expect(report.failedVerification).toBe(0)
  }, 240_000)
})
