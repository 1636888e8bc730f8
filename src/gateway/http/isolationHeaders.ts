/**
 * Headers that make every page of the grid cross-origin isolated, which onnxruntime-web needs for
 * multi-threaded WASM (SharedArrayBuffer). vite.config.ts sends the same three to the dev server;
 * test/gateway/createGateway.test.ts fails if the two tables drift apart.
 *
 * Sent on EVERY response, not only HTML: under COEP require-corp a document may only load
 * subresources that opt in with CORP, and an error page or a 304 without them would break a load.
 * Note for the partner widget (later): a script loaded cross-site from partner pages will need
 * `Cross-Origin-Resource-Policy: cross-origin` on that one path.
 */
export const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
} as const

/**
 * Baseline hardening that costs nothing. No X-Frame-Options / frame-ancestors here: partner sites
 * frame the /embed page, so framing rules belong to that route.
 */
export const securityHeaders = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
} as const

export const responseHeaders = { ...isolationHeaders, ...securityHeaders } as const
