import { readdir, stat } from 'node:fs/promises'
import path from 'node:path'

export type CheckAppBuildParameters = {
  /** The repository root: where index.html, vite.config.ts, src/ and public/ live. */
  rootDir: string
  /** The build output directory (holds index.html once built). */
  outDir: string
}

export type AppBuildStatus =
  /** No app sources (no index.html at the root): nothing to build. */
  | { status: 'no-sources' }
  | { status: 'missing'; newestSource: SourceFile }
  | { status: 'stale'; newestSource: SourceFile; builtAtMs: number }
  | { status: 'up-to-date'; newestSource: SourceFile; builtAtMs: number }

export type SourceFile = { path: string; mtimeMs: number }

export type CheckAppBuildReturnType = AppBuildStatus

/** What the web app is built from; the gateway's own code is not part of it. */
const sourceEntries = ['index.html', 'vite.config.ts', 'public', 'src']
const excludedDirs = new Set([path.join('src', 'gateway'), 'node_modules'])

/**
 * Compares the built index.html with the newest file the app is built from (by mtime; content
 * hashing would be exact but costs reading every file at each start). Vite writes index.html last,
 * so it dates the whole build.
 */
export async function checkAppBuild({
  rootDir,
  outDir,
}: CheckAppBuildParameters): Promise<CheckAppBuildReturnType> {
  if (!(await statOrUndefined(path.join(rootDir, 'index.html')))?.isFile())
    return { status: 'no-sources' }
  let newestSource: SourceFile = { path: path.join(rootDir, 'index.html'), mtimeMs: 0 }
  for (const entry of sourceEntries) {
    const newest = await newestFile(rootDir, entry)
    if (newest && newest.mtimeMs > newestSource.mtimeMs) newestSource = newest
  }
  const built = await statOrUndefined(path.join(outDir, 'index.html'))
  if (!built?.isFile()) return { status: 'missing', newestSource }
  return {
    status: built.mtimeMs < newestSource.mtimeMs ? 'stale' : 'up-to-date',
    newestSource,
    builtAtMs: built.mtimeMs,
  }
}

async function newestFile(rootDir: string, relative: string): Promise<SourceFile | undefined> {
  if (excludedDirs.has(relative)) return undefined
  const absolute = path.join(rootDir, relative)
  const info = await statOrUndefined(absolute)
  if (!info) return undefined
  if (info.isFile()) return { path: absolute, mtimeMs: info.mtimeMs }
  if (!info.isDirectory()) return undefined
  let newest: SourceFile | undefined
  for (const name of await readdir(absolute)) {
    const found = await newestFile(rootDir, path.join(relative, name))
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found
  }
  return newest
}

async function statOrUndefined(file: string) {
  return stat(file).catch(() => undefined)
}
