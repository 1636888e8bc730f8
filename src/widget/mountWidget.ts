import {
  EMBED_MESSAGE_TAG,
  type EmbedCommand,
  type EmbedState,
} from '../protocol/widget/EmbedMessage.ts'
import { parseEmbedEvent } from '../protocol/widget/parseEmbedEvent.ts'
import { consentKey, readConsent, writeConsent } from './consentStore.ts'
import type { WidgetOptions } from './parseWidgetOptions.ts'
import { widgetCss } from './widgetStyles.ts'
import { widgetTexts } from './widgetText.ts'

export type WidgetStatus = {
  /** 'asking': the consent card is shown; 'declined': only the small reopen button. */
  state: 'asking' | 'declined' | EmbedState
  jobsDone: number
  /** Whether the worker iframe is cross-origin isolated (multi-threaded WASM). */
  crossOriginIsolated: boolean | undefined
}

export type WidgetHandle = {
  status(): WidgetStatus
  /** What the visitor's Start does (for a partner's own button; the card stays the same). */
  start(): void
  /** Asks the worker to stop, and removes its iframe at the latest `STOP_GRACE_MS` later. */
  stop(): Promise<void>
  /** Stops and removes the widget from the page. */
  unmount(): Promise<void>
}

/** How long Stop waits for the iframe to say it stopped before removing it anyway. */
export const STOP_GRACE_MS = 800

/**
 * Puts the consent card into `element` (in a shadow root, styled by a constructed stylesheet) and
 * runs the worker iframe only after the visitor's Start. The choice is remembered per partner site
 * (consentStore): a visitor who said Start finds it running on the next visit, with Stop in view;
 * one who said Not now sees only a small button to reopen the card. Nothing is fetched from the
 * grid before Start: the iframe is created then.
 */
export function mountWidget(element: Element, options: WidgetOptions): WidgetHandle {
  const text = widgetTexts[options.lang]
  const key = consentKey(options.gateway, options.partner)
  const host = document.createElement('div')
  host.setAttribute('data-theme', options.theme)
  host.setAttribute('data-position', options.position)
  host.setAttribute('data-inference-grid-widget', '')
  const shadow = host.attachShadow({ mode: 'open' })
  const sheet = new CSSStyleSheet()
  sheet.replaceSync(widgetCss)
  shadow.adoptedStyleSheets = [sheet]
  const card = make('div', { class: 'card', role: 'region', 'aria-label': 'Inference Grid' })
  shadow.append(card)
  element.append(host)

  let status: WidgetStatus = { state: 'asking', jobsDone: 0, crossOriginIsolated: undefined }
  let iframe: HTMLIFrameElement | undefined
  let statusLine: HTMLElement | undefined
  let startSent = false
  let stopped: (() => void) | undefined

  const post = (type: EmbedCommand['type']) =>
    iframe?.contentWindow?.postMessage({ tag: EMBED_MESSAGE_TAG, type }, options.gateway)

  const onMessage = (event: MessageEvent) => {
    // Only the iframe this widget made, and only from the grid's origin.
    if (!iframe || event.source !== iframe.contentWindow || event.origin !== options.gateway) return
    const message = parseEmbedEvent(event.data)
    if (!message) return
    if (message.type === 'resize') {
      iframe.style.height = `${message.height}px`
      return
    }
    status = {
      state: message.state,
      jobsDone: message.jobsDone,
      crossOriginIsolated: message.crossOriginIsolated,
    }
    if (message.state === 'ready' && !startSent) {
      startSent = true
      post('start')
    }
    if (statusLine) {
      const done = `${message.jobsDone} ${text.jobs}`
      statusLine.textContent = `${text.states[message.state]} · ${done}`
    }
    if (message.state === 'stopped' || message.state === 'failed') stopped?.()
  }
  globalThis.addEventListener('message', onMessage)

  function showAsking(): void {
    status = { ...status, state: 'asking' }
    const start = make('button', { class: 'primary', type: 'button' }, text.start)
    const later = make('button', { type: 'button' }, text.notNow)
    start.addEventListener('click', () => {
      writeConsent(key, 'granted')
      run()
    })
    later.addEventListener('click', () => {
      writeConsent(key, 'declined')
      showDeclined()
    })
    card.replaceChildren(
      make('h2', {}, text.title),
      make('p', {}, text.what.replace('{mb}', String(options.maxDownloadMb))),
      make('p', {}, text.stop),
      make('p', {}, text.earn),
      make('div', { class: 'row' }, start, later),
      make('a', { href: options.gateway, target: '_blank', rel: 'noopener' }, text.learnMore),
    )
  }

  function showDeclined(): void {
    status = { ...status, state: 'declined' }
    const reopen = make('button', { type: 'button' }, text.reopen)
    reopen.addEventListener('click', showAsking)
    card.replaceChildren(reopen)
  }

  function run(): void {
    if (iframe) return
    status = { state: 'ready', jobsDone: 0, crossOriginIsolated: undefined }
    startSent = false
    const url = new URL('/embed', options.gateway)
    url.search = new URLSearchParams({
      partner: options.partner,
      origin: globalThis.location.origin,
      lang: options.lang,
      theme: options.theme,
      cap: String(options.maxDownloadMb),
    }).toString()
    const frame = make('iframe', {
      src: url.href,
      title: 'Inference Grid worker',
      // Scripts, and its own origin for Cache Storage and same-origin fetches to the grid. No
      // forms, popups, top navigation or downloads. It is cross-origin to this page, so
      // allow-same-origin does not let it reach into the partner's page.
      sandbox: 'allow-scripts allow-same-origin',
      // Lets it be cross-origin isolated (multi-threaded WASM) when this page is isolated too.
      allow: 'cross-origin-isolated',
    })
    iframe = frame
    statusLine = make('p', { class: 'status', role: 'status' }, text.states.ready)
    const stop = make('button', { type: 'button' }, text.stopButton)
    stop.addEventListener('click', () => {
      writeConsent(key, 'declined')
      void stopRun().then(showDeclined)
    })
    card.replaceChildren(statusLine, frame, make('div', { class: 'row' }, stop))
  }

  async function stopRun(): Promise<void> {
    if (!iframe) return
    const done = new Promise<void>((resolve) => {
      stopped = resolve
      setTimeout(resolve, STOP_GRACE_MS)
    })
    post('stop')
    await done
    stopped = undefined
    // Removing the iframe ends its document: whatever it still held is gone with it.
    iframe.remove()
    iframe = undefined
    statusLine = undefined
    status = { ...status, state: 'stopped' }
  }

  const remembered = readConsent(key)
  if (remembered === 'granted') run()
  else if (remembered === 'declined') showDeclined()
  else showAsking()

  return {
    status: () => status,
    start: () => {
      writeConsent(key, 'granted')
      run()
    },
    stop: async () => {
      writeConsent(key, 'declined')
      await stopRun()
      showDeclined()
    },
    unmount: async () => {
      await stopRun()
      globalThis.removeEventListener('message', onMessage)
      host.remove()
    },
  }
}

/** An element with attributes and children, built without innerHTML (Trusted Types safe). */
function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string>,
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag)
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value)
  element.append(...children)
  return element
}
