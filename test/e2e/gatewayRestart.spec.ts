// The gateway killed with SIGKILL while a Chromium tab is working for its wallet, then started
// again on the same data directory and ports: the tab reconnects by itself (its backoff loop), no
// job the API accepted is lost, none completes twice, the outputs still match onnxruntime-node,
// and the ledger is exact across the crash: every credit committed before the kill is still there
// unchanged, and each completed job earned the wallet its share once (readCredits in
// gridHarness.ts; the gateway's credit terms, holdback and spot-check policy are explained at
// CREDIT_TERMS there). WebRTC-Direct needs the private network namespace of test/run-e2e.sh,
// hence @netns.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from '../fixtures/freePort.ts'
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
  readLedgerEntries,
  setUpGrid,
  submitJobs,
  waitJobs,
} from './gridHarness.ts'

const OPERATOR_TOKEN = 'gateway-restart-spec-operator-token'

test.describe('a gateway crash with a tab attached @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  test('behavior: SIGKILL mid-run and start again: the tab reconnects, no accepted job is lost or completed twice, no credit lost or doubled', async ({
    page,
  }) => {
    test.setTimeout(300_000)
    const dataDir = await mkdtemp(path.join(tmpdir(), 'grid-restart-e2e-'))
    const ports = {
      http: await freePort('tcp'),
      ws: await freePort('tcp'),
      rtc: await freePort('udp'),
    }
    const args = [
      '--operator-token',
      OPERATOR_TOKEN,
      '--port',
      String(ports.http),
      '--p2p-listen',
      `/ip4/0.0.0.0/tcp/${ports.ws}/ws,/ip4/0.0.0.0/udp/${ports.rtc}/webrtc-direct`,
      ...creditArgs,
    ]
    let gateway: StartedGateway = await startGateway({ appDir: 'dist', dataDir, args })
    try {
      const url = gateway.url
      const { apiKey, manifests, errors, tabs } = await setUpGrid(url, OPERATOR_TOKEN, [page])
      const wallet = tabs[0]?.wallet.address ?? ''
      const state = page.getByTestId('contributor-state')
      const done = () => jobsDone(page)

      const specs = jobSpecs({ silero: 60, cls: 60 })
      const ids = await submitJobs(url, apiKey, specs)
      await expect.poll(done, { timeout: 60_000 }).toBeGreaterThanOrEqual(20)

      // What the ledger holds just before the kill (entries written after this read may be there
      // too: they are checked with the rest below), and, at a moment it holds some, the jobs the
      // tab holds.
      const before = [
        ...(await readLedgerEntries(url, OPERATOR_TOKEN, wallet)),
        ...(await readLedgerEntries(url, OPERATOR_TOKEN, 'network')),
      ]
      const heldIds = await awaitHeldJobs(page)
      process.kill(gateway.pid, 'SIGKILL')
      const faultAt = Date.now()
      const exit = await gateway.exited
      expect(exit.signal).toBe('SIGKILL')
      const killedAt = performance.now()
      const doneAtKill = await done()
      await expect(state).not.toHaveText('connected', { timeout: 30_000 })

      gateway = await startGateway({ appDir: 'dist', dataDir, args })
      expect(gateway.url).toBe(url)
      await expect(state).toHaveText('connected', { timeout: 90_000 })
      const reconnectS = (performance.now() - killedAt) / 1000

      const views = await waitJobs(() => gateway.url, apiKey, ids)
      await expectCompletedLikeNode(specs, views, manifests)
      // The tab's own count agrees: every job it was acknowledged for is one of the 120, once.
      expect(await done()).toBeLessThanOrEqual(specs.length)
      const tally = await readCredits({
        url: () => gateway.url,
        operatorToken: OPERATOR_TOKEN,
        apiKey,
        ids,
        tabs,
      })
      const after = [
        ...tally.entries,
        ...(await readLedgerEntries(gateway.url, OPERATOR_TOKEN, 'network')),
      ]
      const kept = new Set(before.map((e) => e.id))
      console.log(
        `[restart] killed after ${doneAtKill} of ${specs.length} jobs, with ${before.length} ledger entries committed; tab connected again ${reconnectS.toFixed(1)} s after the kill (gateway start ${gateway.startupMs.toFixed(0)} ms); jobs leased more than once: ${views.filter((v) => v.attempts > 1).length}`,
      )
      faultReport({ name: 'restart', tally, faultAt, heldIds })
      // Credit committed before the kill survives it unchanged (same entries, same ids).
      expect(before.length).toBeGreaterThan(0)
      expect(after.filter((e) => kept.has(e.id))).toEqual(before)
      expectCreditsExact(tally)
      expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    } finally {
      await gateway.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
