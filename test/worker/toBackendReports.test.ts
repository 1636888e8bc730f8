import { describe, expect, test } from 'vitest'
import type { LoadedModel } from '../../src/worker/engine/Engine.ts'
import { toBackendReports } from '../../src/worker/engine/toBackendReports.ts'

const model = (id: string, results: [LoadedModel['preferredBackend'], boolean][]): LoadedModel => ({
  modelId: `0x${id.repeat(64)}`,
  name: id,
  preferredBackend: 'wasm',
  loadMs: 1,
  backends: results.map(([backend, passed]) => ({
    backend,
    passed,
    reason: '',
    outputs: {},
    sessionMs: 0,
    runMs: 0,
  })),
})

describe('toBackendReports', () => {
  test('default: self-tests grouped per backend, for the hello message', () => {
    const reports = toBackendReports([
      model('a', [
        ['webgpu', false],
        ['wasm', true],
      ]),
      model('b', [
        ['webgpu', true],
        ['wasm', true],
      ]),
    ])
    expect(reports).toEqual([
      {
        backend: 'webgpu',
        selfTests: [
          { modelId: `0x${'a'.repeat(64)}`, passed: false },
          { modelId: `0x${'b'.repeat(64)}`, passed: true },
        ],
      },
      {
        backend: 'wasm',
        selfTests: [
          { modelId: `0x${'a'.repeat(64)}`, passed: true },
          { modelId: `0x${'b'.repeat(64)}`, passed: true },
        ],
      },
    ])
    expect(toBackendReports([])).toEqual([])
  })
})
