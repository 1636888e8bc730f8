import { readFileSync } from 'node:fs'
import path from 'node:path'

/** The repository root (this file is src/gateway/readPackageVersion.ts). */
export const repoRoot = path.resolve(import.meta.dirname, '..', '..')

/**
 * The `version` of the repository's package.json. Read from disk rather than imported: the import
 * rules keep src/ from importing files outside src/, and a JSON import would pin a copy at build.
 */
export function readPackageVersion(rootDir: string = repoRoot): string {
  const manifest = JSON.parse(readFileSync(path.join(rootDir, 'package.json'), 'utf8')) as {
    version?: unknown
  }
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0'
}
