/**
 * What partner pages load from the grid: the widget script (and its manifest with the SRI hash),
 * and the /embed page they frame. Every other response keeps CORP same-origin (isolationHeaders).
 *
 * - widget.js is a cross-origin classic script: CORP cross-origin lets a partner page that is
 *   itself cross-origin isolated (COEP require-corp) load it, and CORS `*` lets the browser check
 *   the `integrity` attribute (SRI on a cross-origin script needs a CORS response and
 *   crossorigin="anonymous" on the tag). It carries no credentials and reads nothing.
 * - /embed: CORP cross-origin so an isolated partner page may frame it; our own COOP/COEP stay, so
 *   the iframe is isolated whenever its parent is and allows it.
 */
export const crossOriginResourceHeaders = {
  'Cross-Origin-Resource-Policy': 'cross-origin',
  'Access-Control-Allow-Origin': '*',
} as const

export const embedHeaders = { 'Cross-Origin-Resource-Policy': 'cross-origin' } as const

/** widget.js, widget.json and widget/<version>.js, relative to the app directory. */
export function isWidgetFile(relativePath: string): boolean {
  return /^(widget\.js|widget\.json|widget[/\\][\w.-]+\.js)$/.test(relativePath)
}
