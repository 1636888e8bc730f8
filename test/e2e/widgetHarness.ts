// Shared by the widget specs: partner pages on loopback addresses of their own (each IP a site of
// its own, cross-site to the gateway's 127.0.0.1), and what the grid served to them.
import type { Page, Request } from '@playwright/test'
import { EMBED_MESSAGE_TAG } from '../../src/protocol/widget/EmbedMessage.ts'

export {
  launchWithStoragePartitioning,
  PARTNER,
  partnerHtml,
  widgetScript,
} from '../fixtures/partnerPages.ts'
export { EMBED_MESSAGE_TAG }

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
