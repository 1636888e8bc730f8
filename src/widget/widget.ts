/**
 * The partner widget's entry, built into `widget.js` (scripts/widgetBundlePlugin.ts): a classic
 * script of no dependencies that partner sites load with
 *   <script src="https://grid.example/widget.js" data-partner="0x…" async></script>
 * (auto-mounted at the page's bottom corner) or call as `InferenceGridWidget.mount(element, {...})`.
 * It shows a consent card and, only after the visitor's Start, frames the grid's /embed page,
 * which runs the worker with the partner credited. See docs/WIDGET.md.
 */
import { mountWidget, type WidgetHandle } from './mountWidget.ts'
import { parseWidgetOptions, type WidgetOptionsInput } from './parseWidgetOptions.ts'

declare const __WIDGET_VERSION__: string

export type InferenceGridWidgetApi = {
  version: string
  /** Mounts the card into `element` (inline by default). Throws a WidgetError on a bad option. */
  mount(element: Element, options: WidgetOptionsInput): WidgetHandle
}

declare global {
  var InferenceGridWidget: InferenceGridWidgetApi | undefined
}

const script = document.currentScript instanceof HTMLScriptElement ? document.currentScript : null
const scriptOrigin = script?.src ? new URL(script.src).origin : undefined
const pageLang = () => document.documentElement.lang || globalThis.navigator.language || 'en'

globalThis.InferenceGridWidget = {
  version: typeof __WIDGET_VERSION__ === 'string' ? __WIDGET_VERSION__ : 'dev',
  mount(element, input) {
    const options = parseWidgetOptions({
      input,
      scriptOrigin,
      defaultPosition: 'inline',
      pageLang: pageLang(),
    })
    return mountWidget(element, options)
  },
}

const data = script?.dataset
if (data?.partner !== undefined) {
  const autoMount = () => {
    try {
      const options = parseWidgetOptions({
        input: {
          partner: data.partner,
          theme: data.theme,
          position: data.position,
          lang: data.lang,
          maxDownloadMb: data.maxDownloadMb,
          gateway: data.gateway,
        },
        scriptOrigin,
        defaultPosition: 'bottom-right',
        pageLang: pageLang(),
      })
      mountWidget(document.body, options)
    } catch (error) {
      // A partner's snippet is wrong: say so where its developer looks, and do nothing else.
      console.error(error instanceof Error ? error.message : error)
    }
  }
  if (document.body) autoMount()
  else document.addEventListener('DOMContentLoaded', autoMount, { once: true })
}
