// The built app under the gateway's Content-Security-Policy (src/gateway/http/pageHeaders.ts):
// every page loads with no violation, a tab contributes under it (the engine's Web Worker compiles
// onnxruntime-web's wasm, libp2p opens its WebSocket to the gateway), the policy really blocks an
// inline script, and the grid's pages refuse to be framed by another site while /embed is framed.
import type { Page } from '@playwright/test'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { type StartedPartnerServer, startPartnerServer } from '../fixtures/startPartnerServer.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, test } from './fixtures.ts'
import { createApiKey, jobSpecs, startContributing, submitJobs, waitJobs } from './gridHarness.ts'

const OPERATOR_TOKEN = 'csp-spec-operator-token'
const PARTNER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

type Recorded = { violations: string[]; errors: string[] }

/**
 * Collects CSP violations two ways: the page's securitypolicyviolation events (installed before
 * any script of the app runs) and console errors of the page and its workers, where Chromium
 * reports what it refused (a worker's violations only reach its console).
 */
async function recordViolations(page: Page): Promise<Recorded> {
  const recorded: Recorded = { violations: [], errors: [] }
  await page.exposeFunction('__reportCspViolation', (line: string) =>
    recorded.violations.push(line),
  )
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const report = (globalThis as unknown as { __reportCspViolation(line: string): void })
        .__reportCspViolation
      report(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}`)
    })
  })
  const onConsole = (type: string, text: string) => {
    if (type === 'error' && !isOrtWarning(text)) recorded.errors.push(text)
  }
  page.on('console', (m) => onConsole(m.type(), m.text()))
  page.on('worker', (worker) => worker.on('console', (m) => onConsole(m.type(), m.text())))
  page.on('pageerror', (error) => recorded.errors.push(error.message))
  return recorded
}

test.describe('the app under its Content-Security-Policy', () => {
  let gateway: StartedGateway
  let partner: StartedPartnerServer
  test.beforeAll(async () => {
    gateway = await startGateway({
      appDir: 'dist',
      // WebSocket only, on loopback: the tab must reach the gateway through connect-src (WebRTC is
      // not governed by CSP), and no network namespace is needed.
      args: ['--operator-token', OPERATOR_TOKEN, '--p2p-listen', '/ip4/127.0.0.1/tcp/0/ws'],
    })
    partner = await startPartnerServer('127.0.0.2')
  })
  test.afterAll(async () => {
    await partner?.close()
    await gateway?.stop()
  })

  test('default: /, /dashboard and /network load with the policy and no violation', async ({
    page,
  }) => {
    const recorded = await recordViolations(page)
    for (const pathname of ['/', '/dashboard', '/network']) {
      const response = await page.goto(new URL(pathname, gateway.url).href)
      expect(response?.status(), pathname).toBe(200)
      const policy = response?.headers()['content-security-policy'] ?? ''
      expect(policy, pathname).toContain("script-src 'self' 'wasm-unsafe-eval'")
      expect(policy, pathname).toContain("frame-ancestors 'none'")
      expect(policy, pathname).toMatch(/connect-src 'self' ws:\/\/127\.0\.0\.1:\d+/)
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Inference Grid')
      // Every navigation's chunks have run (the page's own data shows) before moving on.
      await page.waitForLoadState('networkidle')
    }
    expect(recorded.violations).toEqual([])
    expect(recorded.errors).toEqual([])
  })

  test('behavior: a tab contributes under the policy (wasm in the worker, WebSocket to the gateway)', async ({
    page,
  }) => {
    test.setTimeout(240_000)
    const recorded = await recordViolations(page)
    const apiKey = await createApiKey(gateway.url, OPERATOR_TOKEN)
    await startContributing(page, gateway.url)
    await expect(page.getByTestId('connection-type')).toHaveText('WebSocket')
    for (const name of ['silero-vad-v5', 'ppocr-mobile-v2-cls'])
      await expect(page.getByTestId(`model-${name}`)).toHaveText('ready on WASM')
    const ids = await submitJobs(gateway.url, apiKey, jobSpecs({ silero: 10, cls: 5 }))
    const views = await waitJobs(() => gateway.url, apiKey, ids)
    expect(views.map((v) => v.status)).toEqual(ids.map(() => 'completed'))
    expect(recorded.violations).toEqual([])
    expect(recorded.errors).toEqual([])
  })

  test('behavior: the policy is enforced: an injected inline script is refused and reported', async ({
    page,
  }) => {
    const recorded = await recordViolations(page)
    await page.goto(gateway.url)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Inference Grid')
    const ran = await page.evaluate(async () => {
      const script = document.createElement('script')
      script.textContent = 'globalThis.__injected = true'
      document.head.append(script)
      await new Promise((resolve) => setTimeout(resolve, 100))
      return (globalThis as { __injected?: boolean }).__injected === true
    })
    expect(ran).toBe(false)
    await expect.poll(() => recorded.violations).toContain('script-src-elem blocked inline')
  })

  test('behavior: another site cannot frame the grid pages; it can frame /embed', async ({
    page,
  }) => {
    const embed = `${gateway.url}embed?${new URLSearchParams({ partner: PARTNER, origin: partner.origin, cap: '8' })}`
    partner.setPage('/framing', {
      body: `<!doctype html><title>partner</title>
        <iframe id="app" src="${gateway.url}"></iframe>
        <iframe id="dashboard" src="${gateway.url}dashboard"></iframe>
        <iframe id="embed" src="${embed}"></iframe>`,
    })
    await page.goto(`${partner.origin}/framing`)
    await expect(page.frameLocator('#embed').getByTestId('embed-status')).toHaveAttribute(
      'data-state',
      'ready',
    )
    // A refused frame is replaced by Chromium's error page: no app inside it, ever.
    for (const id of ['app', 'dashboard']) {
      const frameUrl = async () => {
        const element = await page.locator(`#${id}`).elementHandle()
        return (await element?.contentFrame())?.url() ?? ''
      }
      await expect.poll(frameUrl).toMatch(/^chrome-error:/)
      await expect(page.frameLocator(`#${id}`).locator('#root')).toHaveCount(0)
    }
  })
})
