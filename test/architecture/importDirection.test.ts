import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { checkFile, checkFiles, importsOf, type SourceFile } from './importRules.ts'

const root = path.resolve(import.meta.dirname, '../..')

function sourceFiles(): SourceFile[] {
  const entries = readdirSync(path.join(root, 'src'), { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => e.isFile() && /\.tsx?$/.test(e.name))
    .map((e) => {
      const abs = path.join(e.parentPath, e.name)
      return {
        path: path.relative(root, abs).split(path.sep).join('/'),
        source: readFileSync(abs, 'utf8'),
      }
    })
}

describe('import direction', () => {
  test('default: src/ follows the layer rules', () => {
    const files = sourceFiles()
    expect(files.length).toBeGreaterThan(10)
    expect(checkFiles(files)).toEqual([])
  })
})

describe('importsOf', () => {
  test('default: finds static, type-only, re-export, side-effect and dynamic imports', () => {
    const source = `
      import a from 'a'
      import type { B } from './b.ts'
      export { c } from '../c.ts'
      import 'd'
      const e = await import('e')
    `
    expect(importsOf(source).sort()).toEqual(['../c.ts', './b.ts', 'a', 'd', 'e'])
  })
})

describe('checkFile', () => {
  const rules = (path: string, source: string) => checkFile({ path, source }).map((v) => v.rule)

  test('behavior: allowed directions pass', () => {
    expect(rules('src/ui/App.tsx', `import { x } from '../worker/x.ts'`)).toEqual([])
    expect(rules('src/gateway/main.ts', `import '../p2p/polyfills.node.ts'`)).toEqual([])
    expect(rules('src/protocol/a.ts', `import { encode } from 'cborg'`)).toEqual([])
  })

  test('error: protocol imports another layer', () => {
    expect(rules('src/protocol/a.ts', `import { x } from '../worker/x.ts'`)).toEqual([
      'protocol may not import worker',
    ])
  })

  test('error: the gateway imports ui, worker, wallet or a browser-only package', () => {
    expect(rules('src/gateway/a.ts', `import { App } from '../ui/App.tsx'`)).toEqual([
      'gateway may not import ui',
    ])
    expect(rules('src/gateway/a.ts', `import type { E } from '../worker/e.ts'`)).toEqual([
      'gateway may not import worker',
    ])
    expect(rules('src/gateway/a.ts', `import { config } from '../wallet/config.ts'`)).toEqual([
      'gateway may not import wallet',
    ])
    expect(rules('src/gateway/a.ts', `import { useAccount } from 'wagmi'`)).toEqual([
      'Node code imports a browser-only package',
    ])
  })

  test('error: browser code imports the gateway, Node built-ins or Node-only files', () => {
    expect(rules('src/ui/a.tsx', `import { x } from '../gateway/x.ts'`)).toEqual([
      'ui may not import gateway',
    ])
    expect(rules('src/worker/a.ts', `import fs from 'node:fs'`)).toEqual([
      'browser/shared code imports a Node built-in',
    ])
    expect(rules('src/ui/a.tsx', `import '../p2p/polyfills.node.ts'`)).toEqual([
      'browser code imports a .node.ts file',
    ])
    expect(rules('src/p2p/a.ts', `import Database from 'better-sqlite3'`)).toEqual([
      'browser/shared code imports a Node-only package',
    ])
  })

  test('error: onnxruntime-web outside the worker, packages in the widget, impure protocol', () => {
    expect(rules('src/ui/a.tsx', `const ort = await import('onnxruntime-web')`)).toEqual([
      'only src/worker loads onnxruntime-web (lazily, in the Web Worker)',
    ])
    expect(rules('src/widget/a.ts', `import { createElement } from 'react'`)).toEqual([
      'the widget loader stays tiny: no packages',
    ])
    expect(rules('src/protocol/a.ts', `import { x } from 'lodash'`)).toEqual([
      'src/protocol may only use cborg, viem, @noble/',
    ])
    expect(rules('src/protocol/a.node.ts', '')).toEqual([
      'src/protocol is pure: no .node.ts or .browser.ts files',
    ])
  })

  test('behavior: the SDK imports protocol and cborg; its CLI (*.node.ts) Node built-ins and pngjs', () => {
    expect(rules('src/sdk/a.ts', `import { x } from '../protocol/x.ts'`)).toEqual([])
    expect(rules('src/sdk/a.ts', `import { encode } from 'cborg'`)).toEqual([])
    expect(rules('src/sdk/cli/a.node.ts', `import { PNG } from 'pngjs'`)).toEqual([])
    expect(rules('src/sdk/cli/a.node.ts', `import fs from 'node:fs'`)).toEqual([])
  })

  test('error: nothing outside the SDK imports it; the SDK imports no other layer', () => {
    expect(rules('src/gateway/a.ts', `import { x } from '../sdk/x.ts'`)).toEqual([
      'gateway may not import sdk',
    ])
    expect(rules('src/ui/a.tsx', `import { x } from '../sdk/x.ts'`)).toEqual([
      'ui may not import sdk',
    ])
    expect(rules('src/sdk/a.ts', `import { x } from '../gateway/x.ts'`)).toEqual([
      'sdk may not import gateway',
    ])
    expect(rules('src/sdk/a.ts', `import { x } from '../p2p/x.ts'`)).toEqual([
      'sdk may not import p2p',
    ])
  })

  test('error: shared SDK files import Node built-ins, pngjs or other packages', () => {
    expect(rules('src/sdk/a.ts', `import fs from 'node:fs'`)).toEqual([
      'browser/shared code imports a Node built-in',
    ])
    expect(rules('src/sdk/a.ts', `import { PNG } from 'pngjs'`)).toEqual([
      'browser/shared code imports a Node-only package',
      'src/sdk (outside *.node.ts) may only use cborg',
    ])
    expect(rules('src/sdk/a.ts', `import { parseAbi } from 'viem'`)).toEqual([
      'src/sdk (outside *.node.ts) may only use cborg',
    ])
  })
})
