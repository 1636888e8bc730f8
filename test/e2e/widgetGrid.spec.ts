// The partner widget on the job network: a partner page (another site) loads widget.js, the
// visitor presses Start, the /embed iframe joins the grid over WebRTC-Direct and serves jobs that
// are checked against onnxruntime-node; the gateway stores the partner with every result (the
// ledger credits the share from there). Stop ends the worker: no lease after it. Then storage
// partitioning: the iframe's Cache Storage is per top-level site, measured by model downloads on
// two partner sites, and the download cap the widget sets holds. @netns: see test/run-e2e.sh.
import path from 'node:path'
import type { Browser } from '@playwright/test'
import Database from 'better-sqlite3'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { type StartedPartnerServer, startPartnerServer } from '../fixtures/startPartnerServer.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'
import {
  createApiKey,
  expectCompletedLikeNode,
  type GridGlobal,
  jobSpecs,
  loadManifests,
  submitJobs,
  waitJobs,
} from './gridHarness.ts'
import {
  launchWithStoragePartitioning,
  PARTNER,
  partnerHtml,
  recordGridRequests,
  widgetScript,
} from './widgetHarness.ts'

const OPERATOR_TOKEN = 'widget-grid-spec-operator-token'

test.describe('the partner widget on the job network @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  let gateway: StartedGateway
  let grid: string
  let partners: StartedPartnerServer[] = []
  test.beforeAll(async () => {
    gateway = await startGateway({
      appDir: 'dist',
      args: [
        '--operator-token',
        OPERATOR_TOKEN,
        '--p2p-listen',
        '/ip4/0.0.0.0/tcp/0/ws,/ip4/0.0.0.0/udp/0/webrtc-direct',
      ],
    })
    grid = new URL(gateway.url).origin
    partners = await Promise.all(
      ['127.0.0.2', '127.0.0.3', '127.0.0.4'].map((host) => startPartnerServer(host)),
    )
  })
  let partitioned: Browser | undefined
  test.afterAll(async () => {
    await partitioned?.close()
    await Promise.all(partners.map((p) => p.close()))
    await gateway?.stop()
  })

  const database = () =>
    new Database(path.join(gateway.dataDir, 'grid.sqlite'), { readonly: true, fileMustExist: true })

  test('default: after Start the iframe serves jobs crediting the partner; Stop ends it and no job is assigned after', async ({
    browser,
  }) => {
    test.setTimeout(300_000)
    const [partner] = partners
    if (!partner) throw new Error('no partner')
    partner.setPage('/article', {
      body: partnerHtml('', widgetScript(grid, `data-partner="${PARTNER}"`)),
    })
    const apiKey = await createApiKey(gateway.url, OPERATOR_TOKEN)
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    page.on('pageerror', (e) => errors.push(e.message))

    await page.goto(`${partner.origin}/article`)
    const startedAt = Date.now()
    await page.getByRole('button', { name: 'Start' }).click()
    const status = page.getByRole('status')
    await expect(status).toHaveText(/^Running/, { timeout: 120_000 })
    const embed = page.frame({ url: /\/embed\?/ })
    if (!embed) throw new Error('no /embed frame')
    await expect
      .poll(
        () =>
          embed.evaluate(
            () => (globalThis as unknown as GridGlobal).inferenceGrid.status().network?.state,
          ),
        { timeout: 60_000 },
      )
      .toBe('connected')
    const network = await embed.evaluate(
      () => (globalThis as unknown as GridGlobal).inferenceGrid.status().network,
    )
    console.log(
      `[widget] Start to connected ${Date.now() - startedAt} ms over ${network?.remoteAddr}; iframe crossOriginIsolated ${await embed.evaluate(() => globalThis.crossOriginIsolated)}`,
    )
    expect(network?.transport).toBe('webrtc-direct')
    // Playwright's Chromium blocks third-party storage instead of partitioning it (see
    // partnerPages.ts): so this run also proves the widget works with no Cache Storage at all.
    const cacheStorage = await embed.evaluate(() =>
      caches.open('probe').then(
        () => 'available',
        (error: Error) => error.name,
      ),
    )
    expect(cacheStorage).toBe('SecurityError')

    const manifests = await loadManifests(gateway.url)
    const specs = jobSpecs({ silero: 30, cls: 10 })
    const views = await waitJobs(
      () => gateway.url,
      apiKey,
      await submitJobs(gateway.url, apiKey, specs),
    )
    await expectCompletedLikeNode(specs, views, manifests)
    await expect(status).toContainText(`${specs.length} jobs done`)

    const db = database()
    try {
      // The partner from data-partner, stored with the session and with every accepted result.
      const sessions = db.prepare('SELECT id, partner FROM worker_sessions').all() as {
        id: string
        partner: string | null
      }[]
      expect(sessions.map((s) => s.partner)).toEqual([PARTNER])
      const byPartner = db
        .prepare('SELECT partner, count(*) AS n FROM job_results GROUP BY partner')
        .all()
      expect(byPartner).toEqual([{ partner: PARTNER, n: specs.length }])
      // The partner's share of each result in the ledger once the verifier has decided them:
      // the default price 1,000 micro-credits, partner share 10%: 100 per result.
      const partnerCredit = async () => {
        const response = await fetch(new URL(`/v1/ledger/${PARTNER}`, gateway.url), {
          headers: { authorization: `Bearer ${OPERATOR_TOKEN}` },
        })
        expect(response.status).toBe(200)
        const { balances } = (await response.json()) as {
          balances: { verified: string; pending: string }
        }
        return BigInt(balances.verified) + BigInt(balances.pending)
      }
      await expect.poll(partnerCredit, { timeout: 60_000 }).toBe(BigInt(specs.length * 100))

      // Stop while jobs wait: a queue the worker would keep serving if it did not stop.
      const queued = await submitJobs(gateway.url, apiKey, jobSpecs({ silero: 400 }))
      const doneBefore = views.length
      await expect
        .poll(async () => Number((await status.textContent())?.match(/(\d+) jobs done/)?.[1]), {
          timeout: 60_000,
        })
        .toBeGreaterThan(doneBefore + 5)
      const stopAt = Date.now()
      await page.getByRole('button', { name: 'Stop' }).click()
      await expect(page.getByRole('button', { name: 'Lend compute?' })).toBeVisible()
      const uiStoppedMs = Date.now() - stopAt
      expect(await page.locator('iframe').count()).toBe(0)
      const session = sessions[0]?.id
      let ended: { disconnected_at: number | null; end_code: string | null } | undefined
      await expect
        .poll(() => {
          ended = db
            .prepare('SELECT disconnected_at, end_code FROM worker_sessions WHERE id = ?')
            .get(session) as typeof ended
          return ended?.disconnected_at ?? null
        })
        .not.toBeNull()
      const lastLease = db
        .prepare('SELECT max(leased_at) AS at FROM job_leases WHERE session_id = ?')
        .get(session) as { at: number }
      const active = db
        .prepare("SELECT count(*) AS n FROM job_leases WHERE session_id = ? AND state = 'active'")
        .get(session) as { n: number }
      console.log(
        `[widget] Stop: card back after ${uiStoppedMs} ms, session ended (${ended?.end_code}) ${(ended?.disconnected_at ?? 0) - stopAt} ms after the click, last lease ${lastLease.at - stopAt} ms relative to it`,
      )
      // No job assigned after the session ended, none held, and no new session (no reconnect).
      expect(lastLease.at).toBeLessThanOrEqual(ended?.disconnected_at ?? 0)
      // ...and none after the card said it stopped (the iframe was gone by then).
      expect(lastLease.at).toBeLessThanOrEqual(stopAt + uiStoppedMs)
      expect(active.n).toBe(0)
      expect(db.prepare('SELECT count(*) AS n FROM worker_sessions').get()).toEqual({ n: 1 })
      const open = db.prepare("SELECT count(*) AS n FROM jobs WHERE state = 'queued'").get() as {
        n: number
      }
      expect(open.n).toBeGreaterThan(0)
      // Leave nothing queued for the next test's worker.
      await Promise.all(
        queued.map((id) =>
          fetch(new URL(`/v1/jobs/${id}/cancel`, gateway.url), {
            method: 'POST',
            headers: { authorization: `Bearer ${apiKey}` },
          }),
        ),
      )
    } finally {
      db.close()
    }
    expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    await context.close()
  })

  test('behavior: the iframe caches models per top-level site (partitioned); the widget download cap holds', async () => {
    test.setTimeout(300_000)
    const [siteA, siteB, siteC] = partners
    if (!siteA || !siteB || !siteC) throw new Error('three partner sites')
    for (const site of [siteA, siteB])
      site.setPage('/article', {
        body: partnerHtml('', widgetScript(grid, `data-partner="${PARTNER}"`)),
      })
    siteC.setPage('/article', {
      body: partnerHtml(
        '',
        widgetScript(grid, `data-partner="${PARTNER}" data-max-download-mb="3"`),
      ),
    })
    const listing = (await (await fetch(new URL('/v1/models', gateway.url))).json()) as {
      models: { id: string; name: string; size: number }[]
    }
    const sizeOf = new Map(listing.models.map((m) => [m.id, m.size]))
    // One browser profile for all visits, as one visitor going from site to site, in a browser
    // that partitions third-party storage as browsers people use do (see the harness).
    partitioned = await launchWithStoragePartitioning()
    const context = await partitioned.newContext()
    const page = await context.newPage()
    const requested = recordGridRequests(page, grid)
    const modelDownloads = () =>
      requested.filter((p) => /^\/models\/0x[0-9a-f]{64}$/.test(p)).map((p) => p.slice(8))

    const visit = async (origin: string, button: 'Start' | 'Lend compute?') => {
      requested.length = 0
      await page.goto(`${origin}/article`)
      if (button === 'Lend compute?') await page.getByRole('button', { name: button }).click()
      await page.getByRole('button', { name: 'Start' }).click()
      await expect(page.getByRole('status')).toHaveText(/^Running/, { timeout: 120_000 })
      const embed = page.frame({ url: /\/embed\?/ })
      const models = await embed?.evaluate(() =>
        (globalThis as unknown as GridGlobal).inferenceGrid
          .status()
          .models.map((m) => ({ name: m.name, state: m.state, error: m.error })),
      )
      const downloads = modelDownloads()
      await page.getByRole('button', { name: 'Stop' }).click()
      await expect(page.getByRole('button', { name: 'Lend compute?' })).toBeVisible()
      return { downloads, models: models ?? [] }
    }

    const first = await visit(siteA.origin, 'Start')
    const again = await visit(siteA.origin, 'Lend compute?')
    const other = await visit(siteB.origin, 'Start')
    const capped = await visit(siteC.origin, 'Start')
    const mb = (ids: string[]) =>
      (ids.reduce((sum, id) => sum + (sizeOf.get(id) ?? 0), 0) / 1e6).toFixed(1)
    console.log(
      `[widget] model downloads: site A first visit ${first.downloads.length} (${mb(first.downloads)} MB), site A again ${again.downloads.length}, site B ${other.downloads.length} (${mb(other.downloads)} MB), site C with a 3 MB cap ${capped.downloads.length} (${mb(capped.downloads)} MB)`,
    )
    expect(first.models.filter((m) => m.state !== 'ready')).toEqual([])
    expect(new Set(first.downloads)).toEqual(new Set(listing.models.map((m) => m.id)))
    // Cached for site A: its second visit downloads nothing.
    expect(again.downloads).toEqual([])
    // Site B's iframe has its own, empty Cache Storage: everything again.
    expect(new Set(other.downloads)).toEqual(new Set(first.downloads))
    // Site C's 3 MB cap: what fits is served, the rest refused before any byte.
    const downloadedC = capped.downloads.reduce((sum, id) => sum + (sizeOf.get(id) ?? 0), 0)
    expect(downloadedC).toBeLessThanOrEqual(3 * 1024 * 1024)
    expect(capped.models.filter((m) => m.state === 'ready').length).toBeGreaterThan(0)
    const refused = capped.models.filter((m) => m.state === 'failed')
    expect(refused.length).toBeGreaterThan(0)
    for (const model of refused) expect(model.error).toContain('would pass the download cap')
  })
})
