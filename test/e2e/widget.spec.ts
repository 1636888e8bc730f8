// The partner widget without the job network: the consent card on a partner page served from
// another site, what loads before consent (nothing of the worker), Not now remembered, a wrong
// partner address refused, a strict-CSP partner page with SRI, and hostile messages both ways
// (a partner page posting to the /embed iframe; a third-party frame posting to the loader).
// Jobs, partner attribution, Stop and storage partitioning: widgetGrid.spec.ts (@netns).
import { type StartedPartnerServer, startPartnerServer } from '../fixtures/startPartnerServer.ts'
import { expect, test } from './fixtures.ts'
import {
  EMBED_MESSAGE_TAG,
  PARTNER,
  partnerHtml,
  recordGridRequests,
  recordMessages,
  seenMessages,
  widgetScript,
  workerRequest,
} from './widgetHarness.ts'

type WidgetWindow = {
  InferenceGridWidget: {
    mount(
      element: Element,
      options: Record<string, unknown>,
    ): {
      status(): { state: string; jobsDone: number; crossOriginIsolated: boolean | undefined }
      stop(): Promise<void>
    }
  }
  handle: ReturnType<WidgetWindow['InferenceGridWidget']['mount']>
}

let partner: StartedPartnerServer
let third: StartedPartnerServer
let grid: string

test.beforeAll(async ({ gateway }) => {
  grid = new URL(gateway.url).origin
  partner = await startPartnerServer('127.0.0.2')
  third = await startPartnerServer('127.0.0.3', { '/third': { body: partnerHtml('', '') } })
})
test.afterAll(async () => {
  await partner?.close()
  await third?.close()
})

test('default: before consent the card asks and nothing of the worker loads; Not now is remembered', async ({
  page,
}) => {
  partner.setPage('/article', {
    body: partnerHtml('', widgetScript(grid, `data-partner="${PARTNER}"`)),
  })
  const requested = recordGridRequests(page, grid)
  await page.goto(`${partner.origin}/article`)
  await expect(page.getByRole('button', { name: 'Start' })).toBeVisible()
  await expect(page.getByText('This site earns a share of each verified result')).toBeVisible()
  await expect(page.getByText('Stop at any time with the Stop button here')).toBeVisible()
  await expect(page.getByText('up to 64 MB')).toBeVisible()
  expect(await page.locator('iframe').count()).toBe(0)
  // No compute: no Web Worker, no iframe, and from the grid only the widget script itself.
  expect(page.workers()).toHaveLength(0)
  expect(requested).toEqual(['/widget.js'])

  await page.getByRole('button', { name: 'Not now' }).click()
  await expect(page.getByRole('button', { name: 'Lend compute?' })).toBeVisible()
  await page.reload()
  await expect(page.getByRole('button', { name: 'Lend compute?' })).toBeVisible()
  await expect(page.getByRole('button', { name: 'Start' })).toHaveCount(0)
  expect(requested.filter((p) => workerRequest.test(p))).toEqual([])
  expect(page.workers()).toHaveLength(0)
  // The choice can be changed: the small button opens the card again.
  await page.getByRole('button', { name: 'Lend compute?' }).click()
  await expect(page.getByRole('button', { name: 'Start' })).toBeVisible()
})

test('behavior: data-lang and data-position pick the card language and corner', async ({
  page,
}) => {
  partner.setPage('/de', {
    body: partnerHtml(
      '',
      widgetScript(grid, `data-partner="${PARTNER}" data-lang="de" data-position="bottom-left"`),
    ),
  })
  await page.goto(`${partner.origin}/de`)
  await expect(page.getByRole('button', { name: 'Nicht jetzt' })).toBeVisible()
  const box = await page.locator('[data-inference-grid-widget]').boundingBox()
  expect(box?.x).toBe(16)
})

test('error: a partner address with a wrong checksum is refused with a console message', async ({
  page,
}) => {
  const wrongCase = `${PARTNER.slice(0, 10)}${PARTNER[10]?.toLowerCase()}${PARTNER.slice(11)}`
  expect(wrongCase).not.toBe(PARTNER)
  partner.setPage('/typo', {
    body: partnerHtml('', widgetScript(grid, `data-partner="${wrongCase}"`)),
  })
  const errors: string[] = []
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  await page.goto(`${partner.origin}/typo`)
  await expect.poll(() => errors.length).toBe(1)
  expect(errors[0]).toContain(`the partner address "${wrongCase}" fails its EIP-55 checksum`)
  expect(errors[0]).toContain('WIDGET_INVALID_PARTNER')
  expect(await page.locator('[data-inference-grid-widget]').count()).toBe(0)

  // The same through mount(), for an all-lower-case address and a bad option: typed errors.
  const codes = await page.evaluate(
    ([lower, valid]) => {
      const w = globalThis as unknown as WidgetWindow
      const codeOf = (options: Record<string, unknown>) => {
        try {
          w.InferenceGridWidget.mount(document.body, options)
          return 'mounted'
        } catch (error) {
          return `${(error as { code?: string }).code}: ${(error as Error).message.split('\n')[0]}`
        }
      }
      return [
        codeOf({ partner: lower }),
        codeOf({ partner: valid, theme: 'neon' }),
        codeOf({ partner: valid, maxDownloadMb: 0 }),
      ]
    },
    [PARTNER.toLowerCase(), PARTNER],
  )
  expect(codes[0]).toMatch(/^WIDGET_INVALID_PARTNER: .*has no checksum \(it is all one case\)/)
  expect(codes[1]).toMatch(/^WIDGET_INVALID_OPTION: .*theme "neon" .*use auto, light, dark/)
  expect(codes[2]).toMatch(/^WIDGET_INVALID_OPTION: .*max-download-mb 0/)
})

test('behavior: a partner page with a strict CSP (no unsafe-inline, Trusted Types) loads the widget with SRI, runs and stops it', async ({
  page,
}) => {
  const manifest = (await (await fetch(`${grid}/widget.json`)).json()) as { integrity: string }
  const csp = [
    "default-src 'none'",
    `script-src ${grid}`,
    `frame-src ${grid}`,
    "style-src 'none'",
    "require-trusted-types-for 'script'",
    "trusted-types 'none'",
  ].join('; ')
  partner.setPage('/strict', {
    headers: { 'content-security-policy': csp },
    body: partnerHtml(
      '',
      widgetScript(
        grid,
        `integrity="${manifest.integrity}" crossorigin="anonymous" data-partner="${PARTNER}"`,
      ),
    ),
  })
  const problems: string[] = []
  page.on('console', (m) => {
    if (/Content Security Policy|Refused|Trusted Type|integrity/i.test(m.text()))
      problems.push(m.text())
  })
  await page.goto(`${partner.origin}/strict`)
  const start = page.getByRole('button', { name: 'Start' })
  await expect(start).toBeVisible()
  // The constructed stylesheet applied although style-src is 'none'.
  expect(await start.evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(43, 89, 195)')
  await start.click()
  // The iframe answered: the loader left 'Loading…' because the /embed page reported its status.
  const status = page.getByRole('status')
  await expect(status).toHaveText(/Preparing models|Running/, { timeout: 30_000 })
  const line = page
    .frameLocator('iframe[title="Inference Grid worker"]')
    .getByTestId('embed-status')
  // The partner page is not cross-origin isolated, so neither is the iframe: WASM single-threaded.
  await expect(line).toContainText('WASM single-threaded')
  await page.getByRole('button', { name: 'Stop' }).click()
  await expect(page.getByRole('button', { name: 'Lend compute?' })).toBeVisible()
  expect(await page.locator('iframe').count()).toBe(0)
  expect(problems).toEqual([])

  // A wrong SRI hash: the browser refuses the script; nothing appears.
  partner.setPage('/tampered', {
    headers: { 'content-security-policy': csp },
    body: partnerHtml(
      '',
      widgetScript(
        grid,
        `integrity="sha384-${'A'.repeat(64)}" crossorigin="anonymous" data-partner="${PARTNER}"`,
      ),
    ),
  })
  problems.length = 0
  await page.goto(`${partner.origin}/tampered`)
  await expect.poll(() => problems.join('\n')).toContain('integrity')
  expect(await page.locator('[data-inference-grid-widget]').count()).toBe(0)
})

test('behavior: a hostile partner page can only start, stop and ask for the status; frames of other origins are ignored', async ({
  page,
}) => {
  const embedUrl = `${grid}/embed?${new URLSearchParams({ partner: PARTNER, origin: partner.origin, cap: '8' })}`
  partner.setPage('/hostile', {
    body: partnerHtml(
      '',
      `<iframe id="grid" src="${embedUrl}"></iframe><iframe id="third" src="${third.origin}/third"></iframe>`,
    ),
  })
  await recordMessages(page)
  const requested = recordGridRequests(page, grid)
  await page.goto(`${partner.origin}/hostile`)
  const embedStatus = page.frameLocator('#grid').getByTestId('embed-status')
  await expect(embedStatus).toHaveAttribute('data-state', 'ready')
  const thirdFrame = page.frame({ url: `${third.origin}/third` })
  if (!thirdFrame) throw new Error('no third-party frame')

  /** Posts messages from the partner page, then a status request; resolves on its answer. */
  const postFromPartner = async (messages: unknown[]) => {
    const before = (await statusEvents()).length
    await page.evaluate(
      ({ messages, grid, tag }) => {
        const target = (document.getElementById('grid') as HTMLIFrameElement).contentWindow
        for (const message of messages) target?.postMessage(message, grid)
        target?.postMessage({ tag, type: 'status' }, grid)
      },
      { messages, grid, tag: EMBED_MESSAGE_TAG },
    )
    await expect.poll(async () => (await statusEvents()).length).toBeGreaterThan(before)
  }
  const statusEvents = async () =>
    (await seenMessages(page)).filter(
      (m) => m.origin === grid && (m.data as { type?: string }).type === 'status',
    )
  const postFromThird = (message: unknown) =>
    thirdFrame.evaluate(
      ({ message, grid }) => globalThis.parent.frames[0]?.postMessage(message, grid),
      { message, grid },
    )

  // Settings smuggled into allowed commands, unknown commands, other tags, other shapes.
  const other = '0x0000000000000000000000000000000000000001'
  await postFromPartner([
    { tag: EMBED_MESSAGE_TAG, type: 'start', partner: other },
    { tag: EMBED_MESSAGE_TAG, type: 'start', slots: 64 },
    { tag: EMBED_MESSAGE_TAG, type: 'configure', partner: other, maxDownloadMb: 1024 },
    { tag: 'inference-grid/embed/2', type: 'start' },
    { type: 'start' },
    'start',
    ['start'],
    null,
    { tag: EMBED_MESSAGE_TAG, type: 'status', state: 'running', jobsDone: 1 },
  ])
  // A valid start from a frame of another origin (a third-party ad on the partner page).
  await postFromThird({ tag: EMBED_MESSAGE_TAG, type: 'start' })
  await postFromPartner([])
  await expect(embedStatus).toHaveAttribute('data-state', 'ready')
  expect(requested.filter((p) => workerRequest.test(p) && p !== '/embed')).toEqual([])

  // The two things a partner page may do: start, then stop (a third party's stop is ignored).
  await postFromPartner([{ tag: EMBED_MESSAGE_TAG, type: 'start' }])
  await expect(embedStatus).toHaveAttribute('data-state', /starting|running/)
  // Posted while it starts: had it been obeyed, the state would stay 'stopped', never 'running'.
  await postFromThird({ tag: EMBED_MESSAGE_TAG, type: 'stop' })
  await expect(embedStatus).toHaveAttribute('data-state', 'running', { timeout: 120_000 })
  await page.evaluate(
    ({ grid, tag }) =>
      (document.getElementById('grid') as HTMLIFrameElement).contentWindow?.postMessage(
        { tag, type: 'stop' },
        grid,
      ),
    { grid, tag: EMBED_MESSAGE_TAG },
  )
  await expect(embedStatus).toHaveAttribute('data-state', 'stopped', { timeout: 15_000 })
  // Every event went to the partner's origin only: the third frame received none.
  expect(
    await thirdFrame.evaluate(() => (globalThis as unknown as { __seen: unknown[] }).__seen.length),
  ).toBe(0)
})

test('error: an /embed page whose URL names another parent origin refuses to run', async ({
  page,
}) => {
  const embedUrl = `${grid}/embed?${new URLSearchParams({ partner: PARTNER, origin: third.origin })}`
  partner.setPage('/impostor', {
    body: partnerHtml('', `<iframe id="grid" src="${embedUrl}"></iframe>`),
  })
  await recordMessages(page)
  await page.goto(`${partner.origin}/impostor`)
  await expect(page.frameLocator('#grid').getByTestId('embed-error')).toHaveText(
    `The page that framed this one is ${partner.origin}, not ${third.origin} as its URL says; nothing runs.`,
  )
  expect((await seenMessages(page)).filter((m) => m.origin === grid)).toEqual([])
})

test('behavior: the loader ignores messages that do not come from its own iframe', async ({
  page,
}) => {
  partner.setPage('/mounted', {
    body: partnerHtml(
      `<script src="${grid}/widget.js"></script>`,
      `<div id="slot"></div><iframe id="third" src="${third.origin}/third"></iframe>`,
    ),
  })
  await recordMessages(page)
  await page.goto(`${partner.origin}/mounted`)
  await page.evaluate((partnerAddress) => {
    const w = globalThis as unknown as WidgetWindow
    const slot = document.getElementById('slot')
    if (!slot) throw new Error('no slot')
    w.handle = w.InferenceGridWidget.mount(slot, { partner: partnerAddress, maxDownloadMb: 8 })
  }, PARTNER)
  await page.getByRole('button', { name: 'Start' }).click()
  const widgetStatus = () =>
    page.evaluate(() => (globalThis as unknown as WidgetWindow).handle.status())
  await expect.poll(async () => (await widgetStatus()).state).toMatch(/starting|running/)

  const fake = {
    tag: EMBED_MESSAGE_TAG,
    type: 'status',
    state: 'running',
    jobsDone: 4242,
    crossOriginIsolated: true,
  }
  const thirdFrame = page.frame({ url: `${third.origin}/third` })
  await thirdFrame?.evaluate((fake) => {
    globalThis.parent.postMessage(fake, '*')
    globalThis.parent.postMessage({ tag: fake.tag, type: 'resize', height: 333 }, '*')
  }, fake)
  // The partner page itself posting to its own window: right origin for nothing, wrong source.
  await page.evaluate((fake) => globalThis.postMessage({ ...fake, jobsDone: 4343 }, '*'), fake)
  // Both were delivered to the window (the loader's listener saw them in the same dispatch).
  await expect
    .poll(async () =>
      (await seenMessages(page)).map((m) => (m.data as { jobsDone?: number }).jobsDone),
    )
    .toEqual(expect.arrayContaining([4242, 4343]))
  const status = await widgetStatus()
  expect(status.jobsDone).toBe(0)
  expect(status.crossOriginIsolated).toBe(false)
  const height = await page
    .locator('iframe[title="Inference Grid worker"]')
    .evaluate((f) => f.clientHeight)
  expect(height).not.toBe(333)
  expect(height).toBeGreaterThan(0)

  await page.evaluate(() => (globalThis as unknown as WidgetWindow).handle.stop())
  expect(await page.locator('iframe[title="Inference Grid worker"]').count()).toBe(0)
  expect((await widgetStatus()).state).toBe('declined')
})

test('behavior: on a cross-origin-isolated partner page the iframe is isolated too (multi-threaded WASM); Start is remembered', async ({
  page,
}) => {
  partner.setPage('/isolated', {
    headers: {
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    },
    body: partnerHtml('', widgetScript(grid, `data-partner="${PARTNER}" data-max-download-mb="8"`)),
  })
  await page.goto(`${partner.origin}/isolated`)
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true)
  // widget.js loaded under COEP require-corp: it has CORP cross-origin.
  await page.getByRole('button', { name: 'Start' }).click()
  const frame = page.frameLocator('iframe[title="Inference Grid worker"]')
  // The /embed document loaded under the partner's COEP (CORP cross-origin) and was let be
  // isolated by allow="cross-origin-isolated".
  await expect(frame.getByTestId('embed-status')).toContainText('WASM multi-threaded')
  // Start is remembered for this site: the next visit runs again with Stop in view, no card.
  await page.reload()
  await expect(frame.getByTestId('embed-status')).toContainText('WASM multi-threaded')
  await expect(page.getByRole('button', { name: 'Start' })).toHaveCount(0)
  await page.getByRole('button', { name: 'Stop' }).click()
  await expect(page.getByRole('button', { name: 'Lend compute?' })).toBeVisible()
})
