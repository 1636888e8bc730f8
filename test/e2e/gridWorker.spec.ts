// The contributor page as a grid worker: the real gateway (libp2p host, scheduler, requester
// API), Chromium tabs that press Start (libp2p in the page, onnxruntime-web in the Engine's Web
// Worker), jobs submitted through the requester API and checked against onnxruntime-node with each
// model's comparison policy from its manifest. Each tab earns for its own test wallet: the
// ledger holds exactly one worker credit per completed job, for the wallet of the tab that
// delivered it (the closed tab's included), and nothing for what it held when it closed
// (readCredits in gridHarness.ts). WebRTC-Direct needs the private network namespace
// of test/run-e2e.sh, hence @netns.
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import type { TestWallet } from '../fixtures/testWallet.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'
import {
  awaitHeldJobs,
  createApiKey,
  creditArgs,
  expectCompletedLikeNode,
  expectCreditsExact,
  faultReport,
  type GridGlobal,
  gridTab,
  installWallets,
  jobSpecs,
  loadManifests,
  median,
  readCredits,
  startContributing,
  submitJobs,
  waitJobs,
} from './gridHarness.ts'

const OPERATOR_TOKEN = 'grid-worker-spec-operator-token'

test.describe('the contributor page as a grid worker @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  let gateway: StartedGateway
  test.beforeAll(async () => {
    gateway = await startGateway({
      appDir: 'dist',
      args: [
        '--operator-token',
        OPERATOR_TOKEN,
        // Every interface of the namespace (lo and the veth), so /v1/network lists veth addresses
        // too and the tab's address ordering (non-loopback WebRTC-Direct first) is exercised.
        // (WebRTC-Direct to 127.0.0.1 also works inside the namespace: the veth carries the
        // default route, so Chromium has a candidate.)
        '--p2p-listen',
        '/ip4/0.0.0.0/tcp/0/ws,/ip4/0.0.0.0/udp/0/webrtc-direct',
        ...creditArgs,
      ],
    })
  })
  test.afterAll(async () => {
    await gateway?.stop()
  })

  test('default: three tabs serve 300 Silero VAD and PP-OCR jobs; two tabs connect directly over WebRTC; closing one mid-run loses no job and no credit', async ({
    browser,
  }) => {
    test.setTimeout(300_000)
    const url = gateway.url
    const apiKey = await createApiKey(url, OPERATOR_TOKEN)

    // Three browsers in all but process: each tab has its own context (storage, model cache).
    const contexts = await Promise.all([0, 1, 2].map(() => browser.newContext()))
    const pages = await Promise.all(contexts.map((c) => c.newPage()))
    const errors: string[] = []
    for (const page of pages) {
      page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
      page.on('pageerror', (e) => errors.push(e.message))
    }
    const [first, second, third] = pages
    if (!first || !second || !third) throw new Error('three pages')
    const wallets = await installWallets(pages)

    // Nothing loads before Start: the page's chunks are the app's alone.
    const requested: string[] = []
    first.on('request', (r) => requested.push(new URL(r.url()).pathname))
    await first.goto(url)
    await expect(first.getByTestId('contribute-toggle')).toHaveText('Start')
    expect(
      requested.filter((p) => /createContributor|engine|ort|\.wasm$|\/models\//.test(p)),
    ).toEqual([])

    const ready = performance.now()
    await Promise.all(pages.map((page, i) => startContributing(page, url, wallets[i])))
    const startMs = performance.now() - ready
    const tabs = await Promise.all(pages.map((page, i) => gridTab(page, wallets[i] as TestWallet)))

    // The connection type is read from the gateway connection's remote multiaddr.
    const remoteAddrs = await Promise.all(
      pages.map((page) => page.getByTestId('connection-type').getAttribute('title')),
    )
    const types = await Promise.all(
      pages.map((page) => page.getByTestId('connection-type').textContent()),
    )
    console.log(`[grid] connections: ${remoteAddrs.join(' | ')}`)
    expect(remoteAddrs.some((ma) => ma?.includes('/webrtc-direct/certhash/'))).toBe(true)
    expect(types).toContain('WebRTC-Direct')
    for (const page of pages) {
      for (const name of ['silero-vad-v5', 'ppocr-mobile-v2-cls', 'ppocr-v4-rec'])
        await expect(page.getByTestId(`model-${name}`)).toHaveText('ready on WASM')
    }

    // Browser to browser: the third tab dials the first one's /webrtc address on its relay
    // reservation at the gateway. The relay carries only the signalling; the connection both
    // sides then hold must be WebRTC with no relay limits, read from each side's connection.
    let firstWebrtcAddr = ''
    await expect
      .poll(
        async () => {
          const addrs = await first.evaluate(() =>
            (globalThis as unknown as GridGlobal).inferenceGrid.addresses(),
          )
          firstWebrtcAddr = addrs.find((a) => a.includes('/p2p-circuit/webrtc/')) ?? ''
          return firstWebrtcAddr
        },
        { timeout: 20_000 },
      )
      .not.toBe('')
    const dialed = await third.evaluate(
      (address) => (globalThis as unknown as GridGlobal).inferenceGrid.connectPeer(address),
      firstWebrtcAddr,
    )
    const firstPeerId = await first.evaluate(
      () => (globalThis as unknown as GridGlobal).inferenceGrid.status().network?.peerId,
    )
    const thirdPeerId = await third.evaluate(
      () => (globalThis as unknown as GridGlobal).inferenceGrid.status().network?.peerId,
    )
    expect(dialed.peerId).toBe(firstPeerId)
    expect(dialed.transport).toBe('webrtc')
    expect(dialed.limited).toBe(false)
    const accepted = await first.evaluate(() =>
      (globalThis as unknown as GridGlobal).inferenceGrid.connections(),
    )
    const inbound = accepted.filter((c) => c.peerId === thirdPeerId)
    expect(inbound.map((c) => [c.transport, c.limited, c.direction])).toContainEqual([
      'webrtc',
      false,
      'inbound',
    ])
    console.log(
      `[grid] browser-to-browser: ${dialed.remoteAddr} (dialer) / ${inbound.map((c) => c.remoteAddr).join(', ')} (listener), ping ${dialed.rttMs} ms`,
    )

    const manifests = await loadManifests(url)
    // The mix: 300 jobs of Silero VAD and PP-OCR cls/rec.
    const specs = jobSpecs({ silero: 140, cls: 120, rec: 40 })
    const submittedAt = performance.now()
    const ids = await submitJobs(url, apiKey, specs)

    // Close the second tab once the grid is under way: its held jobs must be requeued, not lost.
    // (Closed at a moment it holds jobs, read from its status in the same task as the close.)
    const closer = (async () => {
      await expect
        .poll(async () => Number(await second.getByTestId('jobs-done').textContent()), {
          timeout: 30_000,
        })
        .toBeGreaterThanOrEqual(10)
      const held = await awaitHeldJobs(second)
      const closedAt = Date.now()
      await second.close()
      return { held, closedAt }
    })()

    const views = await waitJobs(() => url, apiKey, ids)
    const elapsedS = (performance.now() - submittedAt) / 1000
    const { held: heldIds, closedAt } = await closer
    const batched = await first.getByTestId('batched-jobs').textContent()
    const batches = await first.getByTestId('batched-jobs').getAttribute('title')

    await expectCompletedLikeNode(specs, views, manifests)
    const byWorker = new Map<string, number>()
    for (const view of views) {
      const peer = view.results[0]?.worker.peerId ?? '?'
      byWorker.set(peer, (byWorker.get(peer) ?? 0) + 1)
    }
    console.log(
      `[grid] start (engine, self-tests of every gateway model, connect) ${(startMs / 1000).toFixed(1)} s; ${views.length} jobs in ${elapsedS.toFixed(1)} s = ${(views.length / elapsedS).toFixed(1)} jobs/s; per worker ${[...byWorker.values()].join(', ')}; held by the closed tab: ${heldIds.length}; the first tab ran ${batched} jobs in ${batches} (Engine.runBatch)`,
    )
    for (const model of ['silero', 'cls', 'rec'] as const) {
      const results = views.filter((_, i) => specs[i]?.model === model).map((v) => v.results[0])
      console.log(
        `[grid] ${model}: median inference ${median(results.map((r) => r?.inferenceMs ?? 0)).toFixed(1)} ms, in-worker total ${median(results.map((r) => r?.totalMs ?? 0)).toFixed(1)} ms`,
      )
    }
    // How soon the jobs the closed tab held were served again (requeue on transport close).
    const requeued = views
      .filter((v) => v.attempts > 1)
      .map((v) => Date.parse(v.finishedAt ?? '') - closedAt)
    console.log(`[grid] jobs leased again finished ${requeued.join(', ')} ms after the tab closed`)
    const finished = views.map((v) => Date.parse(v.finishedAt ?? '') - Date.parse(v.createdAt))
    console.log(
      `[grid] submit-to-finish ms: median ${median(finished)}, max ${Math.max(...finished)}; jobs leased more than once: ${views.filter((v) => v.attempts > 1).length}`,
    )
    expect(byWorker.size).toBe(3)
    const tally = await readCredits({
      url: () => url,
      operatorToken: OPERATOR_TOKEN,
      apiKey,
      ids,
      tabs,
    })
    faultReport({ name: 'close', tally, faultAt: closedAt, heldIds })
    expectCreditsExact(tally)
    // The direct browser-to-browser connection outlived the run (it is held, not a one-off).
    const still = await third.evaluate(() =>
      (globalThis as unknown as GridGlobal).inferenceGrid.connections(),
    )
    expect(
      still.some((c) => c.peerId === firstPeerId && c.transport === 'webrtc' && !c.limited),
    ).toBe(true)
    expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    await Promise.all(contexts.map((c) => c.close()))
  })
})
