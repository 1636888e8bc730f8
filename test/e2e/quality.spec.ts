// Quality checks across the app's three pages, at a phone's and a desktop's width: axe-core finds
// no serious or critical accessibility violation, nothing scrolls sideways, and a full-page
// screenshot is kept for people to look at (test-results/screenshots/<page>-<width>.png; Playwright
// empties test-results/ at the start of each run, so they are the last run's). Also: loading `/`
// fetches nothing of onnxruntime-web and no model before Start, and the nav and the main controls
// are reached with Tab and show where the focus is.
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import type { Page } from '@playwright/test'
import { repoRoot } from '../fixtures/startGateway.ts'
import { expect, test } from './fixtures.ts'

const screenshotDir = path.join(repoRoot, 'test-results', 'screenshots')

const viewports = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const

type AppPage = { name: string; path: string; ready: (page: Page) => Promise<void> }

const pages: AppPage[] = [
  {
    name: 'contribute',
    path: '/',
    ready: async (page) => {
      await expect(page.getByTestId('contribute-toggle')).toBeVisible()
      await expect(page.getByTestId('gateway-status')).toHaveText('ok')
    },
  },
  {
    name: 'dashboard',
    path: '/dashboard',
    ready: async (page) => {
      // The contributor page stays mounted, hidden: the dashboard's own heading.
      await expect(page.locator('main h2').filter({ visible: true }).first()).toBeVisible()
    },
  },
  {
    name: 'network',
    path: '/network',
    ready: async (page) => {
      await expect(page.getByTestId('workers-online')).toBeVisible()
    },
  },
]

/** Serious and critical violations, one line each, so a failure says what and where. */
async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze()
  // It really checked this page (colour contrast, names, landmarks...), not an empty document.
  expect(results.passes.length).toBeGreaterThan(10)
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    )
}

for (const appPage of pages)
  for (const viewport of viewports)
    test(`default: ${appPage.path} at ${viewport.width}px: no serious axe violation, no sideways scroll, a screenshot`, async ({
      page,
      consoleErrors,
    }) => {
      await page.setViewportSize(viewport)
      await page.goto(appPage.path)
      await appPage.ready(page)
      // Web fonts and lazy chunks settled: what a person sees.
      await page.waitForLoadState('networkidle')

      expect(await seriousViolations(page)).toEqual([])

      const widths = await page.evaluate(() => ({
        scroll: document.scrollingElement?.scrollWidth ?? 0,
        viewport: window.innerWidth,
      }))
      expect(widths.viewport).toBe(viewport.width)
      expect(widths.scroll, 'the page scrolls sideways').toBeLessThanOrEqual(viewport.width)

      await mkdir(screenshotDir, { recursive: true })
      await page.screenshot({
        path: path.join(screenshotDir, `${appPage.name}-${viewport.width}.png`),
        fullPage: true,
      })
      expect(consoleErrors).toEqual([])
    })

test('behavior: loading / fetches nothing of onnxruntime-web and no model before Start', async ({
  page,
}) => {
  const requests: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  await page.goto('/')
  await expect(page.getByTestId('gateway-status')).toHaveText('ok')
  await page.waitForLoadState('networkidle')

  const paths = requests.map((url) => new URL(url).pathname)
  expect(paths).toContain('/')
  // onnxruntime's chunks (ort.bundle.min-*.js) and wasm, the engine and its worker, model bytes
  // and assets (GET /v1/models, the list, is not a model).
  const forbidden = /(^|\/)ort[.-]|\.wasm$|\/engine[.-]|\.onnx$|^\/models\//
  expect(paths.filter((p) => forbidden.test(p))).toEqual([])
  // Nor is onnxruntime hiding inside the chunks the page did load.
  for (const url of requests.filter((u) => /\.js$/.test(new URL(u).pathname))) {
    const text = await (await page.request.get(url)).text()
    expect(text, url).not.toMatch(/InferenceSession|ort-wasm-simd-threaded/)
  }

  // The same filter does see onnxruntime once Start is pressed: it names the real files.
  const ortRequested = page.waitForRequest((r) => /(^|\/)ort[.-]/.test(new URL(r.url()).pathname), {
    timeout: 60_000,
  })
  await page.getByTestId('contribute-toggle').click()
  await ortRequested
  await page.getByTestId('contribute-toggle').click()
  await expect(page.getByTestId('contribute-toggle')).toHaveText('Start', { timeout: 30_000 })
})

/** The focused element: what it is and whether its focus ring shows. */
async function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null
    if (!element || element === document.body) return undefined
    const style = getComputedStyle(element)
    const box = element.getBoundingClientRect()
    return {
      tag: element.tagName.toLowerCase(),
      text: (element.textContent ?? '').trim(),
      testId: element.dataset.testid,
      ring: style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) >= 2,
      onScreen: box.width > 0 && box.height > 0 && box.top >= 0 && box.left >= 0,
    }
  })
}

for (const viewport of viewports)
  test(`behavior: at ${viewport.width}px, Tab reaches the skip link, the nav and Start, each with a visible focus ring`, async ({
    page,
  }) => {
    await page.setViewportSize(viewport)
    await page.goto('/')
    await expect(page.getByTestId('contribute-toggle')).toBeVisible()

    const seen: NonNullable<Awaited<ReturnType<typeof focused>>>[] = []
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab')
      const now = await focused(page)
      if (!now) continue
      seen.push(now)
      if (now.testId === 'contribute-toggle') break
    }
    const texts = seen.map((f) => f.text)
    expect(texts.slice(0, 4)).toEqual(['Skip to content', 'Contribute', 'Dashboard', 'Network'])
    expect(seen.at(-1)?.testId).toBe('contribute-toggle')
    for (const f of seen) {
      expect(f.ring, `focus ring on ${f.tag} "${f.text}"`).toBe(true)
      expect(f.onScreen, `${f.tag} "${f.text}" is on screen when focused`).toBe(true)
    }

    // The nav works from the keyboard: Enter on "Network" shows the network page in place.
    await page.keyboard.press('Shift+Tab')
    for (let i = 0; i < 20 && (await focused(page))?.text !== 'Network'; i++)
      await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Enter')
    await expect(page).toHaveURL(/\/network$/)
    await expect(page.getByRole('heading', { level: 2, name: 'Network' })).toBeVisible()
    await expect(page).toHaveTitle('Network · Inference Grid')
    // Focus moved to the new page's content, as after a page load.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main')
    await expect(page.getByRole('link', { name: 'Network', exact: true })).toHaveAttribute(
      'aria-current',
      'page',
    )
  })
