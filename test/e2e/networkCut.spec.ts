// The network between a working tab and the gateway cut, then restored, inside the private
// network namespace of test/run-e2e.sh: the gateway requeues what the tab held, the tab
// reconnects by itself once packets flow again, and every accepted job completes exactly once
// with outputs matching onnxruntime-node; the tab earns for its test wallet, and the ledger holds
// exactly one worker credit per completed job for it and none for the results it could not
// deliver (readCredits in gridHarness.ts). The cut is a policy-routing `prohibit` rule for the
// namespace's veth addresses (the libp2p listeners are bound there only), so HTTP on loopback
// (the test's requester) and Playwright's pipe to Chromium keep working. @netns: it needs the
// namespace and root (it changes the namespace's routing rules, never the machine's).
import { execFileSync } from 'node:child_process'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'
import {
  awaitHeldJobs,
  creditArgs,
  expectCompletedLikeNode,
  expectCreditsExact,
  faultReport,
  jobSpecs,
  jobsDone,
  readCredits,
  setUpGrid,
  submitJobs,
  waitJobs,
} from './gridHarness.ts'

const OPERATOR_TOKEN = 'network-cut-spec-operator-token'
const VETH = ['10.254.0.1', '10.254.0.2']

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' })

/** Local traffic is routed by the `local` table at rule 0; move it behind room for our rules. */
function prepareRules(): () => void {
  ip('rule', 'add', 'pref', '100', 'lookup', 'local')
  ip('rule', 'del', 'pref', '0')
  return () => {
    ip('rule', 'add', 'pref', '0', 'lookup', 'local')
    ip('rule', 'del', 'pref', '100')
  }
}
const cut = () => {
  for (const [i, address] of VETH.entries())
    ip('rule', 'add', 'pref', String(10 + i), 'to', address, 'prohibit')
}
const restore = () => {
  for (const [i] of VETH.entries()) ip('rule', 'del', 'pref', String(10 + i))
}

test.describe('the network between a tab and the gateway cut and restored @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  test('behavior: the jobs the tab held are leased again, the tab reconnects after the restore, none lost or completed twice, no credit lost or doubled', async ({
    page,
  }) => {
    test.setTimeout(300_000)
    let gateway: StartedGateway | undefined
    const undoRules = prepareRules()
    try {
      gateway = await startGateway({
        appDir: 'dist',
        args: [
          '--operator-token',
          OPERATOR_TOKEN,
          // Heartbeats every second: the gateway notices the silent worker within a few seconds.
          '--heartbeat-ms',
          '1000',
          '--p2p-listen',
          `/ip4/${VETH[1]}/tcp/0/ws,/ip4/${VETH[1]}/udp/0/webrtc-direct`,
          ...creditArgs,
        ],
      })
      const url = gateway.url
      const { apiKey, manifests, errors, tabs } = await setUpGrid(url, OPERATOR_TOKEN, [page])
      const state = page.getByTestId('contributor-state')
      const done = () => jobsDone(page)

      const specs = jobSpecs({ silero: 40, cls: 40 })
      const ids = await submitJobs(url, apiKey, specs)
      await expect.poll(done, { timeout: 60_000 }).toBeGreaterThanOrEqual(10)

      // Cut at a moment the tab holds jobs (read from its own status), so some are stranded.
      const heldIds = await awaitHeldJobs(page)
      cut()
      const faultAt = Date.now()
      const cutAt = performance.now()
      const doneAtCut = await done()
      // The tab finds out (its transport fails or its heartbeats go unanswered) and retries.
      await expect(state).not.toHaveText('connected', { timeout: 60_000 })
      const noticedS = (performance.now() - cutAt) / 1000
      restore()
      const restoredAt = performance.now()
      await expect(state).toHaveText('connected', { timeout: 90_000 })
      const reconnectS = (performance.now() - restoredAt) / 1000

      const views = await waitJobs(() => url, apiKey, ids)
      const settledS = (performance.now() - restoredAt) / 1000
      await expectCompletedLikeNode(specs, views, manifests)
      expect(await done()).toBeLessThanOrEqual(specs.length)
      // What the tab held when the packets stopped went back to the queue and was leased again.
      expect(views.filter((v) => v.attempts > 1).length).toBeGreaterThan(0)
      const tally = await readCredits({
        url: () => url,
        operatorToken: OPERATOR_TOKEN,
        apiKey,
        ids,
        tabs,
      })
      console.log(
        `[cut] cut after ${doneAtCut} of ${specs.length} jobs; the tab noticed in ${noticedS.toFixed(1)} s; after the restore it reconnected in ${reconnectS.toFixed(1)} s and all jobs had settled in ${settledS.toFixed(1)} s; jobs leased more than once: ${views.filter((v) => v.attempts > 1).length}`,
      )
      faultReport({ name: 'cut', tally, faultAt, heldIds })
      expectCreditsExact(tally)
      expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    } finally {
      try {
        restore()
      } catch {
        // Already restored.
      }
      undoRules()
      await gateway?.stop()
    }
  })
})
