// The adversarial run of issue 6 with a real contributor tab: the real gateway (default
// verification policy), one Chromium tab earning for its EIP-6963 test wallet on WASM over
// WebRTC-Direct, and one Node worker with its own wallet that falsifies a seeded 20% of its Silero
// results (test/fixtures/tamperingRunJob.ts). 150 Silero VAD jobs. What always holds, whichever
// worker got which job: every job completes once, no tampered result earns verified credit, the
// tab's results are never judged invalid (onnxruntime-web WASM vs the gateway's onnxruntime-node
// re-runs), and the tab's wallet is credited exactly its share of its results. @netns
import { contributeWithWallet } from '../fixtures/contributeWithWallet.ts'
import { readAdversarialOutcome } from '../fixtures/readAdversarialOutcome.ts'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { startTamperingWorker, type TamperingWorker } from '../fixtures/startTamperingWorker.ts'
import { TEST_WALLET_KEYS } from '../fixtures/testWallet.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'
import { createApiKey, jobSpecs, submitJobs } from './gridHarness.ts'

const OPERATOR_TOKEN = 'adversarial-spec-operator-token'
const JOBS = 150

test.describe('adversarial: an honest tab beside a tampering worker @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  let gateway: StartedGateway | undefined
  let tamperer: TamperingWorker | undefined
  test.afterAll(async () => {
    await tamperer?.stop()
    await gateway?.stop()
  })

  test('tampered results earn no verified credit; the honest tab loses none', async ({
    browser,
  }) => {
    test.setTimeout(120_000)
    gateway = await startGateway({
      appDir: 'dist',
      args: [
        '--operator-token',
        OPERATOR_TOKEN,
        '--p2p-listen',
        '/ip4/0.0.0.0/tcp/0/ws,/ip4/0.0.0.0/udp/0/webrtc-direct',
      ],
    })
    const url = gateway.url
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    const wallet = await contributeWithWallet({ page, url, privateKey: TEST_WALLET_KEYS[0] })
    await expect(page.getByTestId('connection-type')).toHaveText('WebRTC-Direct')
    tamperer = await startTamperingWorker({ url, tamperRate: 0.2, seed: 7 })

    const apiKey = await createApiKey(url, OPERATOR_TOKEN)
    const ids = await submitJobs(url, apiKey, jobSpecs({ silero: JOBS }))
    const outcome = await readAdversarialOutcome({
      url,
      operatorToken: OPERATOR_TOKEN,
      apiKey,
      jobIds: ids,
      honest: [wallet.address],
      tamperers: [{ wallet: tamperer.wallet, tampered: tamperer.tampered }],
      timeoutMs: 90_000,
    })
    console.log(
      `[adversarial] ${JSON.stringify(outcome, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`,
    )

    expect(outcome.completedOnce).toBe(JOBS)
    expect(outcome.failedVerification).toBe(0)
    // Falsified results the gateway accepted (a suspension ends the session: results still held
    // then are refused) were all judged, none valid.
    expect(outcome.honestResults).toBeGreaterThan(0)
    expect(outcome.tampered).toBeLessThanOrEqual(tamperer.tampered.size)
    expect(outcome.tamperedCaught + outcome.tamperedUnchecked).toBe(outcome.tampered)
    expect(outcome.tamperedValid).toBe(0)
    expect(outcome.tamperedCredit.verified).toBe(0n)
    expect(outcome.honestInvalid).toBe(0)
    expect(outcome.honestBackends).toEqual({ wasm: outcome.honestResults })
    const [honest] = outcome.honestCredit
    expect(honest?.owed).toBe(BigInt(outcome.honestResults) * 700n)
    expect(honest?.credited).toBe(honest?.owed)
    expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    await context.close()
  })
})
