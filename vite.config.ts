import react from '@vitejs/plugin-react'
import { defineConfig } from 'vitest/config'
import { widgetBundlePlugin } from './scripts/widgetBundlePlugin.ts'

// Headers that make the page cross-origin isolated, so onnxruntime-web can run multi-threaded WASM.
// The gateway sends the same headers in production (src/gateway/http/isolationHeaders.ts).
const isolationHeaders = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
}

// `npm run dev` serves the app with hot reload and forwards API calls to a running gateway
// (`npm start`, default http://127.0.0.1:8700; override with INFERENCE_GRID_URL).
const gatewayUrl = process.env.INFERENCE_GRID_URL ?? 'http://127.0.0.1:8700'
const proxied = ['/healthz', '/metrics', '/v1', '/models']

export default defineConfig({
  // widgetBundlePlugin: the partner widget (dist/widget.js, widget.json), a separate classic script.
  plugins: [react(), widgetBundlePlugin({ root: import.meta.dirname })],
  server: {
    headers: isolationHeaders,
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: gatewayUrl }])),
  },
  preview: { headers: isolationHeaders },
  // onnxruntime-web finds its .wasm with `new URL(..., import.meta.url)`; Vite's dependency
  // pre-bundling (dev server only) would move the module away from it.
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  // The engine's Web Worker imports onnxruntime-web lazily, so its bundle has chunks: ES modules.
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // dist/.vite/manifest.json maps source entries to their hashed files (tests and the bench
    // find the engine's entry with it; the gateway does not serve dot-directories).
    manifest: true,
    rolldownOptions: {
      // The engine (src/worker/index.ts) is an entry of its own: the app imports it lazily, and
      // tests and the bench import it into the built page. Its exports must survive.
      input: { main: 'index.html', engine: 'src/worker/index.ts' },
      preserveEntrySignatures: 'exports-only',
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
})
