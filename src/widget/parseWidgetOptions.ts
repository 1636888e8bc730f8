import { WidgetError } from '../protocol/errors/WidgetError.ts'
import { validatePartner } from './validatePartner.ts'
import { type WidgetLang, widgetTexts } from './widgetText.ts'

export const WIDGET_THEMES = ['auto', 'light', 'dark'] as const
export const WIDGET_POSITIONS = ['bottom-right', 'bottom-left', 'inline'] as const
/** Default and largest model download cap the widget asks the /embed page to apply, MB. */
export const DEFAULT_MAX_DOWNLOAD_MB = 64
export const MAX_DOWNLOAD_MB_LIMIT = 1024

/** What a partner may set, as `data-*` attributes or `mount()` options (strings or values). */
export type WidgetOptionsInput = {
  /** The partner's address, EIP-55 checksummed: credited a share of the results. */
  partner?: unknown
  theme?: unknown
  position?: unknown
  lang?: unknown
  /** Largest total of model downloads in this browser for this site, MB (1 to 1024). */
  maxDownloadMb?: unknown
  /** The grid's origin (where /embed is); by default where widget.js came from. */
  gateway?: unknown
}

export type WidgetOptions = {
  partner: string
  theme: (typeof WIDGET_THEMES)[number]
  position: (typeof WIDGET_POSITIONS)[number]
  lang: WidgetLang
  maxDownloadMb: number
  gateway: string
}

export type ParseWidgetOptionsParameters = {
  input: WidgetOptionsInput
  /** Where widget.js came from; the default gateway. */
  scriptOrigin: string | undefined
  defaultPosition: WidgetOptions['position']
  /** The page's language (document.documentElement.lang), used when `lang` is not given. */
  pageLang: string
}

/** Checks every option and returns them complete, or throws a WidgetError naming the bad one. */
export function parseWidgetOptions(parameters: ParseWidgetOptionsParameters): WidgetOptions {
  const { input } = parameters
  const partner = validatePartner(input.partner)
  const theme = oneOf('theme', input.theme, WIDGET_THEMES, 'auto')
  const position = oneOf('position', input.position, WIDGET_POSITIONS, parameters.defaultPosition)
  const langs = Object.keys(widgetTexts) as WidgetLang[]
  const pageLang = parameters.pageLang.slice(0, 2).toLowerCase()
  const lang = oneOf(
    'lang',
    input.lang,
    langs,
    langs.includes(pageLang as WidgetLang) ? (pageLang as WidgetLang) : 'en',
  )
  const mb = input.maxDownloadMb ?? DEFAULT_MAX_DOWNLOAD_MB
  const maxDownloadMb = Number(mb)
  if (
    !Number.isInteger(maxDownloadMb) ||
    maxDownloadMb < 1 ||
    maxDownloadMb > MAX_DOWNLOAD_MB_LIMIT
  )
    throw invalid('max-download-mb', mb, `a whole number of MB from 1 to ${MAX_DOWNLOAD_MB_LIMIT}`)
  const gatewayInput = input.gateway ?? parameters.scriptOrigin
  let gateway: string | undefined
  try {
    const url = new URL(String(gatewayInput))
    if (url.protocol === 'https:' || url.protocol === 'http:') gateway = url.origin
  } catch {}
  if (!gateway) throw invalid('gateway', gatewayInput, 'the grid’s http(s) origin')
  return { partner, theme, position, lang, maxDownloadMb, gateway }
}

function oneOf<T extends string>(
  name: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined || value === null || value === '') return fallback
  if (allowed.includes(value as T)) return value as T
  throw invalid(name, value, allowed.join(', '))
}

function invalid(name: string, value: unknown, expected: string): WidgetError {
  return new WidgetError(
    `Inference Grid widget: ${name} ${JSON.stringify(value)} is not accepted; use ${expected}. The widget stays off until it is fixed.`,
    { code: 'WIDGET_INVALID_OPTION', details: { option: name, value: String(value) } },
  )
}
