// The gateway killed with SIGKILL while a Chromium tab is working for it, then started again on
// the same data directory and ports: the tab reconnects by itself (its backoff loop), no job the
// API accepted is lost, none completes twice, and the outputs still match onnxruntime-node.
// WebRTC-Direct needs the private network namespace of test/run-e2e.sh, hence @netns.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { freePort } from '../fixtures/freePort.ts'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'
import {
  expectCompletedLikeNode,
  jobSpecs,
  jobsDone,
  setUpGrid,
  submitJobs,
  waitJobs,
} from './gridHarness.ts'

const OPERATOR_TOKEN = 'gateway-restart-spec-operator-token'

test.describe('a gateway crash with a tab attached @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  test('behavior: SIGKILL mid-run and start again: the tab reconnects, no accepted job is lost or completed twice', async ({
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
    ]
    let gateway: StartedGateway = await startGateway({ appDir: 'dist', dataDir, args })
    try {
      const url = gateway.url
      const { apiKey, manifests, errors } = await setUpGrid(url, OPERATOR_TOKEN, [page])
      const state = page.getByTestId('contributor-state')
      const done = () => jobsDone(page)

      const specs = jobSpecs({ silero: 60, cls: 60 })
      const ids = await submitJobs(url, apiKey, specs)
      await expect.poll(done, { timeout: 60_000 }).toBeGreaterThanOrEqual(20)

      process.kill(gateway.pid, 'SIGKILL')
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
      console.log(
        `[restart] killed after ${doneAtKill} of ${specs.length} jobs; tab connected again ${reconnectS.toFixed(1)} s after the kill (gateway start ${gateway.startupMs.toFixed(0)} ms); jobs leased more than once: ${views.filter((v) => v.attempts > 1).length}`,
      )
      expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    } finally {
      await gateway.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
