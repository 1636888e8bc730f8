import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import type { Plugin } from 'vite'

/** What dist/widget.json says about the built widget (served at /widget.json). */
export type WidgetManifest = {
  version: string
  /** Latest widget, revalidated on each load. */
  path: string
  /** This version's copy: pin it together with `integrity`. */
  versionedPath: string
  /** Subresource Integrity value for both paths. */
  integrity: string
  bytes: number
  gzipBytes: number
}

/** The size budget of issue 8: the build fails above it, so nobody ships a heavy widget. */
export const WIDGET_GZIP_BUDGET = 15 * 1024

export type WidgetBundlePluginParameters = { root: string }

/**
 * Builds src/widget/widget.ts into one self-contained classic script (esbuild, IIFE, minified)
 * next to the app: dist/widget.js, dist/widget/<version>.js and dist/widget.json with its
 * sha384 SRI hash and sizes. A separate build, not a Vite entry: partner pages load it as a
 * classic script from another origin, so it must not share chunks or need module loading with the
 * app. Runs with `vite build` (so `npm run build` and the gateway's --build-if-needed both make it).
 */
export function widgetBundlePlugin({ root }: WidgetBundlePluginParameters): Plugin {
  return {
    name: 'inference-grid-widget',
    apply: 'build',
    async generateBundle() {
      const version = (
        JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }
      ).version
      const result = await build({
        entryPoints: [path.join(root, 'src/widget/widget.ts')],
        bundle: true,
        format: 'iife',
        minify: true,
        target: 'es2020',
        write: false,
        legalComments: 'none',
        define: { __WIDGET_VERSION__: JSON.stringify(version) },
        logLevel: 'warning',
      })
      const code = result.outputFiles[0]?.contents
      if (!code) throw new Error('esbuild produced no widget.js')
      const gzipBytes = gzipSync(code, { level: 9 }).length
      if (gzipBytes > WIDGET_GZIP_BUDGET)
        this.error(`widget.js is ${gzipBytes} bytes gzip, over its ${WIDGET_GZIP_BUDGET} budget.`)
      const manifest: WidgetManifest = {
        version,
        path: '/widget.js',
        versionedPath: `/widget/${version}.js`,
        integrity: `sha384-${createHash('sha384').update(code).digest('base64')}`,
        bytes: code.length,
        gzipBytes,
      }
      this.emitFile({ type: 'asset', fileName: 'widget.js', source: code })
      this.emitFile({ type: 'asset', fileName: `widget/${version}.js`, source: code })
      this.emitFile({
        type: 'asset',
        fileName: 'widget.json',
        source: `${JSON.stringify(manifest, null, 2)}\n`,
      })
    },
  }
}
