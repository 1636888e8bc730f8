export type PageHeadersParameters = {
  /**
   * WebSocket sources the app's libp2p node dials (websocketSources of the gateway's own
   * addresses). Same-origin HTTP (`/v1`, `/models`, `/healthz`) is `'self'` already.
   */
  connectSources: readonly string[]
  /**
   * `'none'` for the grid's own pages (a framed wallet button can be clickjacked); `'any'` for
   * `/embed`, which partner sites on any origin frame (the page itself checks that its parent is
   * the origin its URL names, and it holds no wallet).
   */
  framing: 'none' | 'any'
}

export type PageHeadersReturnType = Record<string, string>

/**
 * The Content-Security-Policy of the built app (and the headers that go with it), measured
 * against what `vite build` emits and the app does:
 * - scripts: only files of this origin (module scripts and their chunks, the engine's Web Worker
 *   and onnxruntime-web's pthread workers); no inline script and no eval. `'wasm-unsafe-eval'`
 *   lets onnxruntime-web compile its WebAssembly and allows nothing else.
 * - connect: this origin (API, model downloads, the wasm binary) and the gateway's WebSocket
 *   listeners. WebRTC (WebRTC-Direct, browser to browser) is not governed by connect-src.
 * - styles: the built stylesheet only (React's `style` props go through the CSSOM, not governed).
 * - images: this origin and data: (EIP-6963 wallet icons are data: URIs).
 * - no plugins, no `<base>`, no form posts elsewhere.
 * A dedicated worker takes its policy from its own script's response, so the gateway sends this
 * on every response, scripts included, not only on HTML.
 */
export function pageHeaders({
  connectSources,
  framing,
}: PageHeadersParameters): PageHeadersReturnType {
  const directives = [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "worker-src 'self'",
    ['connect-src', "'self'", ...connectSources].join(' '),
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    `frame-ancestors ${framing === 'none' ? "'none'" : '*'}`,
  ]
  const headers: PageHeadersReturnType = { 'Content-Security-Policy': directives.join('; ') }
  // For browsers without CSP frame-ancestors; /embed must not get it at all (no "allow all" value).
  if (framing === 'none') headers['X-Frame-Options'] = 'DENY'
  return headers
}
