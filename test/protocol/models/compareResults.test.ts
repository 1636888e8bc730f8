import { describe, expect, test } from 'vitest'
import { compareOutputs } from '../../../src/protocol/models/compareOutputs.ts'
import { compareResults } from '../../../src/protocol/models/compareResults.ts'
import type { Tensor } from '../../../src/protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../../../src/protocol/tensor/tensorFromTypedArray.ts'

const f32 = (dims: number[], values: number[]): Tensor =>
  tensorFromTypedArray({ dtype: 'float32', dims, data: Float32Array.from(values) })

const manifest = { comparison: { y: { kind: 'allclose' as const, atol: 1e-3, rtol: 0 } } }
const base = f32([3], [0.1, 0.2, 0.3])
const nudged = f32([3], [0.1, 0.2, 0.3001])

describe('compareResults', () => {
  test('behavior: WASM against WASM is held to exact; a 1e-4 difference dissents', () => {
    const outcome = compareResults({
      manifest,
      outputNames: ['y'],
      a: { outputs: { y: base }, origin: 'wasm' },
      b: { outputs: { y: nudged }, origin: 'wasm' },
    })
    expect(outcome.agree).toBe(false)
    expect(outcome.basis).toBe('exact')
    expect(outcome.details.y).toMatch(/^exact: 1 of 3 elements differ/)
  })

  test('behavior: WebGPU against WASM, or against the gateway re-run, uses the manifest policy', () => {
    for (const [a, b] of [
      ['webgpu', 'wasm'],
      ['wasm', 'node-cpu'],
      ['webgpu', 'webgpu'],
    ] as const) {
      const outcome = compareResults({
        manifest,
        outputNames: ['y'],
        a: { outputs: { y: base }, origin: a },
        b: { outputs: { y: nudged }, origin: b },
      })
      expect(outcome).toMatchObject({ agree: true, basis: 'manifest' })
    }
  })

  test('error: a missing output or one without a policy disagrees', () => {
    expect(
      compareResults({
        manifest,
        outputNames: ['y', 'z'],
        a: { outputs: { y: base, z: base }, origin: 'webgpu' },
        b: { outputs: { y: base, z: base }, origin: 'wasm' },
      }).details.z,
    ).toBe('the manifest has no comparison policy for this output')
    expect(
      compareResults({
        manifest,
        outputNames: ['y'],
        a: { outputs: {}, origin: 'webgpu' },
        b: { outputs: { y: base }, origin: 'wasm' },
      }).agree,
    ).toBe(false)
  })
})

describe('compareOutputs: topk and ctc-text', () => {
  test('behavior: topk compares the set of the k largest per position, not their order', () => {
    const a = f32([2, 4], [0.1, 0.5, 0.3, 0.1, 0.9, 0.05, 0.03, 0.02])
    const b = f32([2, 4], [0.1, 0.3, 0.5, 0.1, 0.05, 0.02, 0.9, 0.03])
    const policy = { kind: 'topk' as const, axis: 1, k: 2, minAgreement: 1 }
    const outcome = compareOutputs(policy, a, b)
    expect(outcome.metric).toEqual({ name: 'agreement', value: 0.5 })
    expect(outcome.ok).toBe(false)
    expect(compareOutputs({ ...policy, minAgreement: 0.5 }, a, b).ok).toBe(true)
  })

  test('behavior: ctc-text equal after collapsing repeats and blanks, different text fails', () => {
    // [batch 1, time 4, classes 3], blank 0: a decodes 1 1 0 2 -> "1 2"; b decodes 1 0 0 2 -> "1 2".
    const onehot = (classes: number[]) =>
      f32(
        [1, classes.length, 3],
        classes.flatMap((c) => [0, 1, 2].map((k) => (k === c ? 0.9 : 0.05))),
      )
    const policy = { kind: 'ctc-text' as const, axis: 2, blank: 0 }
    expect(compareOutputs(policy, onehot([1, 1, 0, 2]), onehot([1, 0, 0, 2])).ok).toBe(true)
    const differs = compareOutputs(policy, onehot([1, 1, 0, 2]), onehot([1, 0, 1, 2]))
    expect(differs.ok).toBe(false)
    expect(differs.detail).toBe(
      '1 of 1 decoded texts differ (sequence 0: expected classes [1 2], got [1 1 2])',
    )
  })
})
