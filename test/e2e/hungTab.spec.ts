// A working tab whose main thread hangs (paused through the DevTools protocol's debugger: no JS
// runs, while the browser's network threads keep its WebRTC transport alive) and later runs
// again: the gateway notices the silence, gives the held jobs to the other tab, the stale results
// the hung tab held when it wakes earn nothing (dropped with its ended session, or refused), and
// every job completes exactly once with outputs matching onnxruntime-node. Each tab earns for its
// own test wallet: the ledger holds exactly one worker credit per completed job, for the wallet of
// the tab that delivered it, and none for the stale results (readCredits in gridHarness.ts).
// (Page.setWebLifecycleState 'hung' does not freeze a headless page: timers kept running in
// Chromium 156.) WebRTC-Direct needs the private network namespace of test/run-e2e.sh, hence
// @netns.
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'
import {
  awaitHeldJobs,
  creditArgs,
  expectCompletedLikeNode,
  expectCreditsExact,
  faultReport,
  type GridGlobal,
  jobSpecs,
  jobsDone,
  readCredits,
  setUpGrid,
  submitJobs,
  waitJobs,
} from './gridHarness.ts'

const OPERATOR_TOKEN = 'hung-tab-spec-operator-token'

test.describe('a working tab whose main thread hangs, then runs again @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  test('behavior: its held jobs move to the other tab, it reconnects after it wakes, none lost or completed twice, no credit lost or doubled', async ({
    browser,
  }) => {
    test.setTimeout(300_000)
    let gateway: StartedGateway | undefined
    const contexts = await Promise.all([0, 1].map(() => browser.newContext()))
    try {
      gateway = await startGateway({
        appDir: 'dist',
        args: [
          '--operator-token',
          OPERATOR_TOKEN,
          // Silence for 3 intervals (15 s) ends a session. Not shorter: a tab sends its own
          // heartbeat every 10 s whatever the gateway's interval, so below about 3.4 s an idle
          // tab (one that connected before the other finished its self-tests) is dropped every
          // few seconds, each short session counts as a failed one, its reconnect backoff grows
          // to 30 s, and the other tab may run every job before it is back (seen under load).
          '--heartbeat-ms',
          '5000',
          '--p2p-listen',
          '/ip4/0.0.0.0/tcp/0/ws,/ip4/0.0.0.0/udp/0/webrtc-direct',
          ...creditArgs,
        ],
      })
      const url = gateway.url
      const pages = await Promise.all(contexts.map((c) => c.newPage()))
      const [hung, other] = pages
      if (!hung || !other) throw new Error('two pages')
      const { apiKey, manifests, errors, tabs } = await setUpGrid(url, OPERATOR_TOKEN, pages)
      const done = jobsDone

      const specs = jobSpecs({ silero: 60, cls: 60 })
      const ids = await submitJobs(url, apiKey, specs)
      await expect.poll(() => done(hung), { timeout: 60_000 }).toBeGreaterThanOrEqual(5)
      const sessions = () =>
        hung.evaluate(
          () => (globalThis as unknown as GridGlobal).inferenceGrid.status().network?.sessions ?? 0,
        )
      const sessionsBefore = await sessions()
      const cdp = await hung.context().newCDPSession(hung)
      await cdp.send('Debugger.enable')
      // Freeze it at a moment it holds jobs (read from its own status, right before the pause).
      const heldIds = await awaitHeldJobs(hung)
      await cdp.send('Debugger.pause')
      const faultAt = Date.now()
      const hungAt = performance.now()
      const otherAtFreeze = await done(other)
      // While it sleeps, the other tab carries the grid: all the jobs settle without it.
      const views = await waitJobs(() => url, apiKey, ids)
      const settledS = (performance.now() - hungAt) / 1000
      const otherGain = (await done(other)) - otherAtFreeze

      await cdp.send('Debugger.resume')
      const resumedAt = performance.now()
      // It finds its session ended, opens a new one, and is back on the grid.
      await expect.poll(sessions, { timeout: 60_000 }).toBeGreaterThan(sessionsBefore)
      await expect(hung.getByTestId('contributor-state')).toHaveText('connected', {
        timeout: 60_000,
      })
      const reconnectS = (performance.now() - resumedAt) / 1000

      await expectCompletedLikeNode(specs, views, manifests)
      expect(otherGain).toBeGreaterThan(0)
      // The held jobs were leased again, to the tab that was awake.
      expect(views.filter((v) => v.attempts > 1).length).toBeGreaterThan(0)
      expect((await done(hung)) + (await done(other))).toBeLessThanOrEqual(specs.length)
      // The stale results it sent on waking were refused; none of them earns.
      const tally = await readCredits({
        url: () => url,
        operatorToken: OPERATOR_TOKEN,
        apiKey,
        ids,
        tabs,
      })
      console.log(
        `[hung] all ${specs.length} jobs settled ${settledS.toFixed(1)} s after the hang (the awake tab did ${otherGain} of them); jobs leased more than once: ${views.filter((v) => v.attempts > 1).length}; the woken tab reconnected in ${reconnectS.toFixed(1)} s`,
      )
      faultReport({ name: 'hung', tally, faultAt, heldIds })
      expectCreditsExact(tally)
      expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    } finally {
      await Promise.all(contexts.map((c) => c.close()))
      await gateway?.stop()
    }
  })
})
