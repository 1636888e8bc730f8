// The contributor page (`/`) as a person uses it: the EIP-6963 test wallet, a real gateway
// process, real Chromium running onnxruntime-web (WASM). Connect, Start, model downloads with
// progress bars and self-tests, jobs through the requester API, live status and earnings, then
// each control taking effect: the duty cycle lowers the tab's compute share, a hidden tab and a
// low battery take no new jobs (held ones finish; nothing lost), storage is cleared, the download
// cap refuses a model. Also the main thread's long tasks while PP-OCR det jobs run. Over
// WebSocket (no @netns needed); inside the namespace the tab may use WebRTC-Direct instead.
import type { Page } from '@playwright/test'
import type { GridWorkerStatus } from '../../src/p2p/createGridWorker.ts'
import type { ContributorStatus } from '../../src/ui/contributor/createContributor.ts'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { installTestWallet } from '../fixtures/testWallet.ts'
import { testModels } from '../worker/engineModels.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, test } from './fixtures.ts'
import { createApiKey, type JobSpec, jobSpecs, submitJobs, waitJobs } from './gridHarness.ts'

const OPERATOR_TOKEN = 'contributor-spec-operator-token'
const TEST_WALLET_RDNS = 'dev.inference-grid.testwallet'
/** The gateway's defaults: 1,000 µ a verified result, 70% to the worker. */
const WORKER_SHARE_MICRO = 700n

type PageGlobals = {
  inferenceGrid: { status(): ContributorStatus }
  __battery: EventTarget & { level: number; charging: boolean }
  __longTasks: number[]
}

/**
 * Before any page script: a Battery Status API the test drives (this machine has no battery;
 * Chromium's own answers "charging, 100%" here) and a PerformanceObserver that records the main
 * thread's long tasks.
 */
const INIT_SCRIPT = `
  (() => {
    const battery = new EventTarget()
    battery.level = 1
    battery.charging = true
    globalThis.__battery = battery
    Object.defineProperty(Navigator.prototype, 'getBattery', {
      configurable: true,
      value: async () => battery,
    })
    globalThis.__longTasks = []
    try {
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) globalThis.__longTasks.push(entry.duration)
      }).observe({ type: 'longtask', buffered: true })
    } catch {}
  })()
`

/**
 * Headless Chromium keeps every page 'visible': minimizing its window (Browser.setWindowBounds),
 * activating another tab (Target.activateTarget) and bringing a popup to the front all leave
 * document.visibilityState alone (tried on Chromium 156). So the page's visibility is overridden
 * and the event dispatched, as the browser would.
 */
async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (h ? 'hidden' : 'visible'),
    })
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h })
    document.dispatchEvent(new Event('visibilitychange'))
  }, hidden)
}

async function setBattery(page: Page, level: number, charging: boolean): Promise<void> {
  await page.evaluate(
    ([l, c]) => {
      const battery = (globalThis as unknown as PageGlobals).__battery
      battery.level = l as number
      battery.charging = c as boolean
      battery.dispatchEvent(new Event('chargingchange'))
      battery.dispatchEvent(new Event('levelchange'))
    },
    [level, charging] as const,
  )
}

const status = (page: Page) =>
  page.evaluate(() => {
    const s = (globalThis as unknown as PageGlobals).inferenceGrid.status()
    // bigints do not cross page.evaluate.
    return {
      ...s,
      network: s.network
        ? {
            ...s.network,
            credits: {
              ...s.network.credits,
              pending: String(s.network.credits.pending),
              verified: String(s.network.credits.verified),
            },
          }
        : undefined,
    }
  })

type Network = Omit<GridWorkerStatus, 'credits'>
const network = async (page: Page): Promise<Network> => {
  const s = await status(page)
  if (!s.network) throw new Error('not on the grid')
  return s.network
}

/** Engine compute time and wall time around a job stream: the tab's busy fraction. */
async function busyFraction(page: Page, run: () => Promise<void>): Promise<number> {
  const read = () =>
    page.evaluate(() => ({
      computeMs:
        (globalThis as unknown as PageGlobals).inferenceGrid.status().compute?.computeMs ?? 0,
      at: performance.now(),
    }))
  const before = await read()
  await run()
  // Engine status events are coalesced to one per 100 ms: let the last one arrive.
  await page.waitForTimeout(300)
  const after = await read()
  return (after.computeMs - before.computeMs) / (after.at - before.at)
}

function recSpecs(count: number, seed: number): JobSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    model: 'rec' as const,
    inputs: testModels.rec.makeInputs({ height: 48, width: 320 }, seed + i),
  }))
}

/**
 * The page's main-thread tasks from a Chromium trace: wall and thread CPU time of each RunTask
 * on the renderer's main thread (CrRendererMain).
 */
function mainThreadTasks(trace: Buffer): { wallMs: number; cpuMs: number }[] {
  type TraceEvent = {
    name: string
    ph: string
    pid: number
    tid: number
    dur?: number
    tdur?: number
    args?: { name?: string }
  }
  const events = (JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] }).traceEvents
  const mains = new Set(
    events
      .filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  )
  return events
    .filter((e) => e.name === 'RunTask' && e.ph === 'X' && mains.has(`${e.pid}:${e.tid}`))
    .map((e) => ({ wallMs: (e.dur ?? 0) / 1000, cpuMs: (e.tdur ?? 0) / 1000 }))
}

test.describe('contributor page', () => {
  let gateway: StartedGateway
  let apiKey: string
  test.beforeAll(async () => {
    gateway = await startGateway({ appDir: 'dist', args: ['--operator-token', OPERATOR_TOKEN] })
    apiKey = await createApiKey(gateway.url, OPERATOR_TOKEN)
  })
  test.afterAll(async () => {
    await gateway?.stop()
  })

  test('default: connect, start, downloads, jobs and earnings live, each control takes effect', async ({
    browser,
  }) => {
    test.setTimeout(150_000)
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on(
      'console',
      (m) => m.type() === 'error' && !isOrtWarning(m.text()) && errors.push(m.text()),
    )
    page.on('pageerror', (e) => errors.push(e.message))
    await page.addInitScript({ content: INIT_SCRIPT })
    const wallet = await installTestWallet(page)
    const url = gateway.url

    await page.goto(url)
    await page.getByTestId(`wallet-connect-${TEST_WALLET_RDNS}`).click()
    await expect(page.getByTestId('wallet-address')).toHaveAttribute('title', wallet.address)
    await expect(page.getByTestId('battery-status')).toContainText('Battery 100%, charging')
    await expect(page.getByLabel('Pause while this tab is hidden')).toBeChecked()

    await test.step('start: model downloads with progress bars, sizes and self-tests', async () => {
      await page.getByTestId('contribute-toggle').click()
      const det = page.getByRole('progressbar', { name: 'Download of ppocr-v4-det' })
      await expect(det).toBeVisible({ timeout: 60_000 })
      await expect(det).toHaveAttribute('aria-valuenow', '100', { timeout: 60_000 })
      await expect(page.getByTestId('model-size-ppocr-v4-det')).toHaveText(
        /^[\d.]+ MB of [\d.]+ MB$/,
      )
      await expect(page.getByTestId('contributor-state')).toHaveText('connected', {
        timeout: 120_000,
      })
      for (const name of Object.values(testModels).map((m) => m.name)) {
        await expect(page.getByTestId(`model-${name}`)).toHaveText('ready on WASM')
        await expect(page.getByTestId(`model-self-tests-${name}`)).toContainText(
          /WASM: passed, [\d.]+ ms a run/,
        )
      }
      await expect(page.getByTestId('backend-choice')).toContainText('WASM')
      await expect(page.getByTestId('connection-type')).toHaveText(/^(WebSocket|WebRTC-Direct)$/)
      await expect(page.getByTestId('earnings')).toContainText('pending')
      await expect(page.getByTestId('current-job')).toHaveText('waiting for work')
    })

    let busyFull = 0
    let busyQuarter = 0
    await test.step('jobs: done, throughput and earnings update; the duty cycle lowers compute', async () => {
      busyFull = await busyFraction(page, async () => {
        const ids = await submitJobs(url, apiKey, recSpecs(12, 30_000))
        const views = await waitJobs(() => url, apiKey, ids)
        expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'))
      })
      await expect(page.getByTestId('jobs-done')).toHaveText('12')
      await expect(page.getByTestId('throughput')).toHaveText(/^12 jobs\/min/)

      await page.getByLabel('Compute at most').selectOption('0.25')
      await expect.poll(async () => (await status(page)).compute?.dutyCycle).toBe(0.25)
      busyQuarter = await busyFraction(page, async () => {
        const ids = await submitJobs(url, apiKey, recSpecs(12, 31_000))
        const views = await waitJobs(() => url, apiKey, ids)
        expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'))
      })
      console.log(
        `[contributor] busy fraction over 12 PP-OCR rec jobs: ${busyFull.toFixed(3)} at 100%, ${busyQuarter.toFixed(3)} at 25%`,
      )
      // Behavioural, with a wide margin: the limit holds, and it is the limit that lowered it.
      expect(busyQuarter).toBeLessThan(0.35)
      expect(busyQuarter).toBeLessThan(busyFull * 0.7)
      await expect(page.getByTestId('jobs-done')).toHaveText('24')
      await expect(page.getByTestId('compute-share')).toContainText('limit 25% of wall time')

      // Each result's credit arrives once the verifier decided it: pending or verified.
      await expect
        .poll(
          async () => {
            const credits = (await status(page)).network?.credits
            return BigInt(credits?.pending ?? 0) + BigInt(credits?.verified ?? 0)
          },
          { timeout: 30_000 },
        )
        .toBe(24n * WORKER_SHARE_MICRO)
      const pending = await page.getByTestId('earnings-pending').getAttribute('data-micro')
      const verified = await page.getByTestId('earnings-verified').getAttribute('data-micro')
      expect(BigInt(pending ?? -1) + BigInt(verified ?? -1)).toBe(24n * WORKER_SHARE_MICRO)
      await page.getByLabel('Compute at most').selectOption('1')
    })

    await test.step('long tasks: the main thread stays free while PP-OCR det jobs run', async () => {
      await page.evaluate(() => {
        ;(globalThis as unknown as PageGlobals).__longTasks.length = 0
      })
      await browser.startTracing(page, {
        categories: ['toplevel', 'disabled-by-default-devtools.timeline', '__metadata'],
      })
      const specs: JobSpec[] = Array.from({ length: 6 }, (_, i) => ({
        model: 'det' as const,
        inputs: testModels.det.makeInputs({ height: 640, width: 640 }, 40_000 + i),
      }))
      const ids = await submitJobs(url, apiKey, specs)
      const views = await waitJobs(() => url, apiKey, ids)
      const tasks = mainThreadTasks(await browser.stopTracing())
      expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'))
      const longTasks = await page.evaluate(() => [
        ...(globalThis as unknown as PageGlobals).__longTasks,
      ])
      const maxCpu = Math.max(0, ...tasks.map((t) => t.cpuMs))
      const maxWall = Math.max(0, ...longTasks)
      console.log(
        `[contributor] 6 PP-OCR det jobs (640x640): ${tasks.length} main-thread tasks, the longest ${maxCpu.toFixed(1)} ms of CPU; PerformanceObserver long tasks (wall time): ${longTasks.length}, max ${maxWall.toFixed(0)} ms`,
      )
      // The 50 ms, on the main thread's own CPU time: PerformanceObserver's long tasks
      // are wall time, which a shared 2-core machine stretches whenever the engine's WASM
      // threads (or anything else) hold the cores. Inference on the main thread would show here
      // as tasks of a det run's length (127-236 ms of CPU on this machine).
      expect(tasks.length).toBeGreaterThan(0)
      expect(maxCpu).toBeLessThanOrEqual(50)
    })

    await test.step('hidden tab: no new jobs while hidden, held ones finish, nothing lost', async () => {
      const before = (await network(page)).jobsDone
      await setHidden(page, true)
      await expect(page.getByTestId('contributor-paused')).toContainText('the tab is hidden')
      await expect.poll(async () => (await network(page)).slots).toBe(0)
      const ids = await submitJobs(url, apiKey, jobSpecs({ silero: 4 }))
      // The gateway assigns nothing to a worker with 0 slots: the jobs wait in its queue.
      await page.waitForTimeout(1500)
      expect((await network(page)).jobsDone).toBe(before)
      expect((await network(page)).currentJobs).toEqual([])
      await setHidden(page, false)
      await expect(page.getByTestId('contributor-paused')).toHaveCount(0)
      const views = await waitJobs(() => url, apiKey, ids)
      expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'))
      expect(views.map((v) => v.attempts)).toEqual(ids.map(() => 1))
    })

    await test.step('battery: pauses below the threshold, resumes only at the resume level', async () => {
      await page.getByTestId('battery-stop-below').fill('30')
      await page.getByTestId('battery-resume-above').fill('60')
      await setBattery(page, 0.5, false)
      await expect(page.getByTestId('battery-status')).toContainText('Battery 50%, on battery')
      await expect(page.getByTestId('contributor-paused')).toHaveCount(0)
      await setBattery(page, 0.25, false)
      await expect(page.getByTestId('contributor-paused')).toContainText('the battery is low')
      await expect.poll(async () => (await network(page)).slots).toBe(0)
      // Between the thresholds: still paused (hysteresis).
      await setBattery(page, 0.5, false)
      await expect(page.getByTestId('battery-status')).toContainText('Paused: resumes at 60%')
      expect((await network(page)).slots).toBe(0)
      const before = (await network(page)).jobsDone
      const ids = await submitJobs(url, apiKey, jobSpecs({ silero: 3 }))
      await page.waitForTimeout(1000)
      expect((await network(page)).jobsDone).toBe(before)
      await setBattery(page, 0.65, false)
      await expect(page.getByTestId('contributor-paused')).toHaveCount(0)
      await expect.poll(async () => (await network(page)).slots).toBeGreaterThan(0)
      const views = await waitJobs(() => url, apiKey, ids)
      expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'))
      // A charger lifts the rule at any level.
      await setBattery(page, 0.1, true)
      await expect(page.getByTestId('battery-status')).toContainText('charging')
      await expect(page.getByTestId('contributor-paused')).toHaveCount(0)
    })

    await test.step('stop, start again: the models come from the cache', async () => {
      await page.getByTestId('contribute-toggle').click()
      await expect(page.getByTestId('contributor-state')).toHaveText('stopped')
      await page.getByTestId('contribute-toggle').click()
      await expect(page.getByTestId('model-size-ppocr-v4-det')).toHaveText(/^[\d.]+ MB, cached$/, {
        timeout: 60_000,
      })
      await expect(
        page.getByRole('progressbar', { name: 'Download of ppocr-v4-det' }),
      ).toHaveAttribute('aria-valuenow', '100')
      await expect(page.getByTestId('contributor-state')).toHaveText('connected', {
        timeout: 60_000,
      })
    })

    await test.step('storage: clearing is refused while running, empties the cache once stopped', async () => {
      await expect(page.getByTestId('storage-used')).toContainText('4 cached models')
      await expect(page.getByTestId('storage-clear')).toBeDisabled()
      await page.getByTestId('contribute-toggle').click()
      await expect(page.getByTestId('contributor-state')).toHaveText('stopped')
      await expect(page.getByTestId('storage-clear')).toBeEnabled()
      await page.getByTestId('storage-clear').click()
      await expect(page.getByTestId('storage-used')).toContainText('0 cached models')
      const keys = await page.evaluate(async () =>
        (await caches.keys()).length === 0
          ? 0
          : (await (await caches.open('inference-grid-models-v1')).keys()).length,
      )
      expect(keys).toBe(0)
    })

    await test.step('settings persist across a reload', async () => {
      await page.reload()
      await expect(page.getByTestId('battery-stop-below')).toHaveValue('30')
      await expect(page.getByTestId('battery-resume-above')).toHaveValue('60')
      await expect(page.getByLabel('Compute at most')).toHaveValue('1')
    })

    expect(errors).toEqual([])
    await context.close()
  })

  test('behavior: the download cap refuses a model over it, with what to do', async ({
    browser,
  }) => {
    test.setTimeout(90_000)
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(gateway.url)
    await page.getByTestId('download-cap').fill('1')
    await page.getByTestId('contribute-toggle').click()
    await expect(page.getByTestId('model-error-ppocr-v4-det')).toContainText(
      'would pass the download cap',
      { timeout: 60_000 },
    )
    await expect(page.getByTestId('model-error-ppocr-v4-det')).toContainText(
      'Raise the download cap',
    )
    await expect(page.getByTestId('model-ppocr-mobile-v2-cls')).toHaveText('ready on WASM', {
      timeout: 60_000,
    })
    await expect(page.getByTestId('contributor-state')).toHaveText('connected', { timeout: 60_000 })
    await expect(page.getByTestId('earnings')).toHaveText('anonymous: earns nothing')
    await page.getByTestId('contribute-toggle').click()
    await expect(page.getByTestId('contributor-state')).toHaveText('stopped')
    await context.close()
  })

  test('behavior: without the Battery Status API the page says the rule cannot apply', async ({
    browser,
  }) => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.addInitScript({ content: 'delete Navigator.prototype.getBattery' })
    await page.goto(gateway.url)
    await expect(page.getByTestId('battery-status')).toContainText(
      'does not report its battery (no Battery Status API)',
    )
    await context.close()
  })
})
