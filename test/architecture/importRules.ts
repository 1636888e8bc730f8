/**
 * The import-direction rules of ARCHITECTURE.md, as data, and a checker over source files.
 * protocol <- worker | p2p | wallet <- ui | widget | gateway, and protocol <- sdk (the requester
 * SDK and its CLI, which nothing else imports); the gateway never imports ui,
 * worker or wagmi; the browser never imports the gateway; `*.node.ts` files are Node-only and
 * `*.browser.ts(x)` files browser-only, and neither side imports the other's.
 */
import path from 'node:path'
import ts from 'typescript'

export const LAYERS = [
  'protocol',
  'worker',
  'p2p',
  'wallet',
  'gateway',
  'ui',
  'widget',
  'sdk',
] as const
export type Layer = (typeof LAYERS)[number]

/** Which other layers each layer may import (its own is always allowed). */
export const ALLOWED_LAYER_IMPORTS: Record<Layer, readonly Layer[]> = {
  protocol: [],
  worker: ['protocol'],
  p2p: ['protocol'],
  wallet: ['protocol'],
  ui: ['protocol', 'worker', 'p2p', 'wallet'],
  widget: ['protocol'],
  gateway: ['protocol', 'p2p'],
  // Requesters' code: it talks HTTP to a gateway, so it needs only the shared types and codecs.
  sdk: ['protocol'],
}

const NODE_ONLY_PACKAGES = [
  'better-sqlite3',
  'fastify',
  '@fastify/',
  'prom-client',
  'pino',
  'onnxruntime-node',
  'ws',
  'node-datachannel',
  'pngjs',
]
const BROWSER_ONLY_PACKAGES = [
  'react',
  'react-dom',
  'wagmi',
  '@wagmi/',
  '@tanstack/',
  'onnxruntime-web',
]

/** Packages pure protocol code may use: it must run unchanged in Chromium and Node. */
const PROTOCOL_PACKAGES = ['cborg', 'viem', '@noble/']

/** Packages the SDK's shared (browser and Node) files may use: it must stay small for requesters. */
const SDK_PACKAGES = ['cborg']

export type SourceFile = { path: string; source: string }
export type Violation = { file: string; specifier: string; rule: string }

function matchesPackage(specifier: string, names: readonly string[]): boolean {
  return names.some((name) =>
    name.endsWith('/')
      ? specifier.startsWith(name)
      : specifier === name || specifier.startsWith(`${name}/`),
  )
}

function layerOf(file: string): Layer | undefined {
  const parts = file.split('/')
  const i = parts.indexOf('src')
  const layer = i >= 0 ? parts[i + 1] : undefined
  return LAYERS.find((l) => l === layer)
}

const isNodeFile = (file: string) => /\.node\.tsx?$/.test(file)
const isBrowserFile = (file: string) => /\.browser\.tsx?$/.test(file)

/** Every module specifier a file imports: static, type-only, re-exports and dynamic import(). */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName)
}

export function checkFile(file: SourceFile): Violation[] {
  const layer = layerOf(file.path)
  if (!layer) return []
  const violations: Violation[] = []
  const flag = (specifier: string, rule: string) =>
    violations.push({ file: file.path, specifier, rule })
  const nodeSide = layer === 'gateway' || isNodeFile(file.path)
  const browserSide = !nodeSide

  if (layer === 'protocol' && (isNodeFile(file.path) || isBrowserFile(file.path)))
    flag('(file name)', 'src/protocol is pure: no .node.ts or .browser.ts files')

  for (const specifier of importsOf(file.source)) {
    if (specifier.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file.path), specifier))
      const targetLayer = layerOf(target)
      if (!targetLayer) {
        flag(specifier, 'imports from outside src/')
        continue
      }
      if (targetLayer !== layer && !ALLOWED_LAYER_IMPORTS[layer].includes(targetLayer))
        flag(specifier, `${layer} may not import ${targetLayer}`)
      if (browserSide && isNodeFile(target)) flag(specifier, 'browser code imports a .node.ts file')
      if (nodeSide && isBrowserFile(target)) flag(specifier, 'Node code imports a .browser.ts file')
      continue
    }
    if (specifier.startsWith('node:')) {
      if (browserSide) flag(specifier, 'browser/shared code imports a Node built-in')
      continue
    }
    if (browserSide && matchesPackage(specifier, NODE_ONLY_PACKAGES))
      flag(specifier, 'browser/shared code imports a Node-only package')
    if (nodeSide && matchesPackage(specifier, BROWSER_ONLY_PACKAGES))
      flag(specifier, 'Node code imports a browser-only package')
    if (layer === 'protocol' && !matchesPackage(specifier, PROTOCOL_PACKAGES))
      flag(specifier, `src/protocol may only use ${PROTOCOL_PACKAGES.join(', ')}`)
    if (layer !== 'worker' && matchesPackage(specifier, ['onnxruntime-web']))
      flag(specifier, 'only src/worker loads onnxruntime-web (lazily, in the Web Worker)')
    if (layer === 'sdk' && browserSide && !matchesPackage(specifier, SDK_PACKAGES))
      flag(specifier, `src/sdk (outside *.node.ts) may only use ${SDK_PACKAGES.join(', ')}`)
    if (layer === 'widget' && !specifier.startsWith('.'))
      flag(specifier, 'the widget loader stays tiny: no packages')
  }
  return violations
}

export function checkFiles(files: readonly SourceFile[]): Violation[] {
  return files.flatMap(checkFile)
}
