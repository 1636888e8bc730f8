import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)

/**
 * The installed onnxruntime-node version, read from its package.json so that asking does not load
 * the native binary. Known answers are cached per version: another runtime may round differently.
 */
export function onnxRuntimeVersion(): string {
  const manifest = JSON.parse(
    readFileSync(require.resolve('onnxruntime-node/package.json'), 'utf8'),
  ) as { version?: unknown }
  if (typeof manifest.version !== 'string')
    throw new Error('onnxruntime-node/package.json has no version.')
  return manifest.version
}
