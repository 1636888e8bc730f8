// Shared by the widget specs: partner pages on loopback addresses of their own (each IP a site of
// its own, cross-site to the gateway's 127.0.0.1), and what the grid served to them.
import { type Browser, chromium, type Page, type Request } from '@playwright/test'
import { EMBED_MESSAGE_TAG } from '../../src/protocol/widget/EmbedMessage.ts'
import { chromiumArgs, chromiumPath } from '../fixtures/chromium.ts'

/** A checksummed address (anvil's second default account): the partner the specs credit. */
export const PARTNER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'

export { EMBED_MESSAGE_TAG }

export function partnerHtml(head: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A partner site</title>${head}</head><body><h1>A partner's article</h1><p>Text the visitor came for.</p>${body}</body></html>`
}

export function widgetScript(gateway: string, attributes: string): string {
  return `<script src="${gateway}/widget.js" ${attributes} async></script>`
}

/** Paths of every request a page (all its frames) made to the gateway, in order. */
export function recordGridRequests(page: Page, gatewayOrigin: string): string[] {
  const paths: string[] = []
  page.on('request', (request: Request) => {
    const url = new URL(request.url())
    if (url.origin === gatewayOrigin) paths.push(url.pathname)
  })
  return paths
}

/** Anything of the worker: its code (chunks, onnxruntime-web, wasm), models, the network. */
export const workerRequest = /createContributor|engine|ort|\.wasm$|\/models\/|\/v1\/|embed/

export type SeenMessage = { origin: string; data: unknown }

/** Records every message the page's top window receives, in `window.__seen` (all frames). */
export async function recordMessages(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = globalThis as unknown as { __seen: SeenMessage[] }
    w.__seen = []
    globalThis.addEventListener('message', (event) =>
      w.__seen.push({ origin: event.origin, data: event.data }),
    )
  })
}

export function seenMessages(page: Page): Promise<SeenMessage[]> {
  return page.evaluate(() => (globalThis as unknown as { __seen: SeenMessage[] }).__seen)
}

/**
 * Playwright 1.65 launches Chromium with this switch, which turns storage partitioning OFF (its
 * issue 32230); with its off-the-record contexts blocking third-party cookies, a cross-site
 * iframe then gets no Cache Storage at all. Browsers people use partition instead (Chrome since
 * 115, Firefox, Safari). So the partitioning spec launches Chromium with the same switch minus
 * that one feature. If a Playwright update changes the switch, the spec's "second visit to the
 * same site downloads nothing" assertion fails and says so.
 */
const PLAYWRIGHT_DISABLED_FEATURES =
  '--disable-features=AvoidUnnecessaryBeforeUnloadCheckSync,DestroyProfileOnBrowserClose,HttpsUpgrades,HttpsFirstBalancedModeAutoEnable,LensOverlay,MediaRouter,PaintHolding,ThirdPartyStoragePartitioning,AvoidCorsURLLoaderRestartOnRedirect,TcpPortRandomizationWin,OptimizationHints,NetworkTimeServiceQuerying,AimEnabled,PreconnectToSearch,msForceBrowserSignIn,msEdgeUpdateLaunchServicesPreferredVersion'

export function launchWithStoragePartitioning(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    ignoreDefaultArgs: [PLAYWRIGHT_DISABLED_FEATURES],
    args: [
      ...chromiumArgs(),
      PLAYWRIGHT_DISABLED_FEATURES.replace('ThirdPartyStoragePartitioning,', ''),
    ],
  })
}
