import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from 'vitest'
import type { BuildAppParameters } from '../../src/gateway/app/buildAppWithVite.ts'
import { checkAppBuild } from '../../src/gateway/app/checkAppBuild.ts'
import { ensureAppBuilt } from '../../src/gateway/app/ensureAppBuilt.ts'
import { AppBuildFailedError } from '../../src/gateway/errors/app.ts'
import { memoryLogger } from './memoryLogger.ts'

let rootDir: string
let outDir: string

/** Writes a file with a given age in seconds (mtime = a fixed base + age), so order is exact. */
const base = Date.parse('2026-01-01T00:00:00Z') / 1000
function put(relative: string, at: number): string {
  const file = path.join(rootDir, relative)
  mkdirSync(path.dirname(file), { recursive: true })
  writeFileSync(file, relative)
  utimesSync(file, base + at, base + at)
  return file
}

/** A repository-shaped tree: app sources at t=10..40, the gateway's own code at t=50. */
function sourceTree() {
  put('index.html', 10)
  put('vite.config.ts', 20)
  put('public/favicon.svg', 30)
  put('src/ui/App.tsx', 40)
  put('src/gateway/main.ts', 50)
}

beforeEach(() => {
  rootDir = mkdtempSync(path.join(tmpdir(), 'ig-app-'))
  outDir = path.join(rootDir, 'dist')
})
afterEach(() => {
  rmSync(rootDir, { recursive: true, force: true })
})

describe('checkAppBuild', () => {
  test('default: up to date when the build is newer than every source', async () => {
    sourceTree()
    put('dist/index.html', 45)
    expect(await checkAppBuild({ rootDir, outDir })).toEqual({
      status: 'up-to-date',
      newestSource: { path: path.join(rootDir, 'src/ui/App.tsx'), mtimeMs: (base + 40) * 1000 },
      builtAtMs: (base + 45) * 1000,
    })
  })

  test('behavior: missing when there is no built index.html', async () => {
    sourceTree()
    put('dist/assets/old.js', 45)
    expect((await checkAppBuild({ rootDir, outDir })).status).toBe('missing')
  })

  test('behavior: no sources when the root has no index.html', async () => {
    put('src/ui/App.tsx', 40)
    expect(await checkAppBuild({ rootDir, outDir })).toEqual({ status: 'no-sources' })
  })

  test.each([
    ['src/ui/App.tsx'],
    ['src/worker/deep/nested/engine.ts'],
    ['index.html'],
    ['vite.config.ts'],
    ['public/models/manifest.json'],
  ])('behavior: stale when %s changed after the build', async (changed) => {
    sourceTree()
    put('dist/index.html', 45)
    put(changed, 60)
    const result = await checkAppBuild({ rootDir, outDir })
    expect(result.status).toBe('stale')
    expect(result.status !== 'no-sources' && result.newestSource.path).toBe(
      path.join(rootDir, changed),
    )
  })

  test.each([
    ['src/gateway/http/createHttpServer.ts'],
    ['test/gateway/x.test.ts'],
    ['README.md'],
    ['node_modules/react/index.js'],
  ])('behavior: a change to %s does not make the build stale', async (changed) => {
    sourceTree()
    put('dist/index.html', 55)
    put(changed, 60)
    expect((await checkAppBuild({ rootDir, outDir })).status).toBe('up-to-date')
  })

  test('behavior: a build exactly as old as the newest source counts as up to date', async () => {
    sourceTree()
    put('dist/index.html', 40)
    expect((await checkAppBuild({ rootDir, outDir })).status).toBe('up-to-date')
  })
})

describe('ensureAppBuilt', () => {
  /** Stands in for Vite: records the call and writes index.html as a build would. */
  function fakeBuild() {
    const calls: BuildAppParameters[] = []
    const build = async (parameters: BuildAppParameters) => {
      calls.push(parameters)
      mkdirSync(parameters.outDir, { recursive: true })
      writeFileSync(path.join(parameters.outDir, 'index.html'), 'built')
    }
    return { build, calls }
  }

  test('default: builds when the app is missing, then not again', async () => {
    sourceTree()
    const { logger, lines } = memoryLogger()
    const { build, calls } = fakeBuild()
    const first = await ensureAppBuilt({ rootDir, outDir, logger, build })
    expect(first).toMatchObject({ found: 'missing', built: true })
    expect(first.durationMs).toBeGreaterThanOrEqual(0)
    expect(calls).toEqual([{ rootDir, outDir, signal: undefined }])
    expect(lines().find((l) => l.msg === 'app built')).toMatchObject({
      name: 'gateway:app',
      outDir,
      durationMs: expect.any(Number),
    })

    expect(await ensureAppBuilt({ rootDir, outDir, logger, build })).toEqual({
      found: 'up-to-date',
      built: false,
    })
    expect(calls).toHaveLength(1)
  })

  test('behavior: rebuilds when stale', async () => {
    sourceTree()
    put('dist/index.html', 35)
    const { logger } = memoryLogger('silent')
    const { build, calls } = fakeBuild()
    expect(await ensureAppBuilt({ rootDir, outDir, logger, build })).toMatchObject({
      found: 'stale',
      built: true,
    })
    expect(calls).toHaveLength(1)
  })

  test('behavior: does nothing without app sources', async () => {
    const { logger, lines } = memoryLogger()
    const { build, calls } = fakeBuild()
    expect(await ensureAppBuilt({ rootDir, outDir, logger, build })).toEqual({
      found: 'no-sources',
      built: false,
    })
    expect(calls).toEqual([])
    expect(lines().map((l) => l.msg)).toContain('no app sources (index.html) to build')
  })

  test('error: a failing build', async () => {
    sourceTree()
    const { logger } = memoryLogger('silent')
    const cause = new Error('[vite]: Rollup failed to resolve import "nope"')
    const error = await ensureAppBuilt({
      rootDir,
      outDir,
      logger,
      build: async () => {
        throw cause
      },
    }).catch((e) => e)
    expect(error).toBeInstanceOf(AppBuildFailedError)
    expect(error.code).toBe('APP_BUILD_FAILED')
    expect(error.cause).toBe(cause)
    expect(error.message).toMatchInlineSnapshot(`
      "Building the web app failed.

      Fix the error above (try \`npm run build\` to see it), or start with --no-build to serve the app directory as it is.

      Cause: [vite]: Rollup failed to resolve import "nope"

      Code: APP_BUILD_FAILED"
    `)
  })
})
