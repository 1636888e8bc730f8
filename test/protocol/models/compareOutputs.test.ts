import { describe, expect, test } from 'vitest'
import { compareOutputs } from '../../../src/protocol/models/compareOutputs.ts'
import type { ComparisonPolicy } from '../../../src/protocol/models/ModelManifest.ts'
import type { Tensor } from '../../../src/protocol/tensor/Tensor.ts'
import { tensorFromTypedArray } from '../../../src/protocol/tensor/tensorFromTypedArray.ts'

const f32 = (dims: number[], values: number[]): Tensor =>
  tensorFromTypedArray({ dtype: 'float32', dims, data: Float32Array.from(values) })

const exact: ComparisonPolicy = { kind: 'exact' }
const allclose: ComparisonPolicy = { kind: 'allclose', atol: 1e-3, rtol: 0 }

describe('compareOutputs', () => {
  describe('exact', () => {
    test('default', () => {
      const result = compareOutputs(exact, f32([2], [1, 2]), f32([2], [1, 2]))
      expect(result).toEqual({
        ok: true,
        metric: { name: 'mismatches', value: 0 },
        maxAbsDiff: 0,
        detail: 'all 2 elements are bit-identical',
      })
    })

    test('behavior: one ulp is a mismatch', () => {
      const a = Float32Array.from([1, 2, 3])
      const b = Float32Array.from(a)
      new Uint32Array(b.buffer)[1] = (new Uint32Array(b.buffer)[1] ?? 0) + 1
      const result = compareOutputs(
        exact,
        tensorFromTypedArray({ dtype: 'float32', dims: [3], data: a }),
        tensorFromTypedArray({ dtype: 'float32', dims: [3], data: b }),
      )
      expect(result.ok).toBe(false)
      expect(result.metric).toEqual({ name: 'mismatches', value: 1 })
      expect(result.maxAbsDiff).toBeGreaterThan(0)
      expect(result.maxAbsDiff).toBeLessThan(1e-6)
    })

    test('behavior: int64 compares bytewise', () => {
      const t = (v: bigint) =>
        tensorFromTypedArray({ dtype: 'int64', dims: [1], data: BigInt64Array.from([v]) })
      expect(compareOutputs(exact, t(2n ** 60n), t(2n ** 60n)).ok).toBe(true)
      // Number(2^60 + 1) rounds to 2^60, yet the bytes differ: exact must catch it.
      expect(compareOutputs(exact, t(2n ** 60n), t(2n ** 60n + 1n)).ok).toBe(false)
    })
  })

  describe('allclose', () => {
    test('default', () => {
      const result = compareOutputs(
        allclose,
        f32([3], [0.1, 0.2, 0.3]),
        f32([3], [0.1005, 0.2, 0.3]),
      )
      expect(result.ok).toBe(true)
      expect(result.metric?.name).toBe('maxAbsDiff')
      expect(result.metric?.value).toBeCloseTo(0.0005, 6)
    })

    test('behavior: rtol scales with the expected magnitude', () => {
      const policy: ComparisonPolicy = { kind: 'allclose', atol: 0, rtol: 0.01 }
      expect(compareOutputs(policy, f32([2], [100, 1]), f32([2], [100.9, 1])).ok).toBe(true)
      expect(compareOutputs(policy, f32([2], [100, 1]), f32([2], [100, 1.02])).ok).toBe(false)
    })

    test('behavior: NaN only where the reference has NaN; infinities must match', () => {
      const nan = Number.NaN
      const inf = Number.POSITIVE_INFINITY
      expect(compareOutputs(allclose, f32([2], [nan, inf]), f32([2], [nan, inf])).ok).toBe(true)
      expect(compareOutputs(allclose, f32([1], [0.5]), f32([1], [nan]))).toMatchObject({
        ok: false,
        maxAbsDiff: 0,
      })
      expect(compareOutputs(allclose, f32([1], [inf]), f32([1], [-inf])).ok).toBe(false)
    })

    test('error: outside tolerance names the first bad element', () => {
      const result = compareOutputs(allclose, f32([3], [0, 0, 0]), f32([3], [0, 0.5, 0.002]))
      expect(result).toMatchInlineSnapshot(`
        {
          "detail": "2 of 3 elements outside atol 0.001, rtol 0 (max abs diff 0.5; first at index 1: expected 0, got 0.5)",
          "maxAbsDiff": 0.5,
          "metric": {
            "name": "maxAbsDiff",
            "value": 0.5,
          },
          "ok": false,
        }
      `)
    })

    test('behavior: float16 halves are decoded', () => {
      // 0x3c00 = 1.0, 0x3c01 = 1.0009765625, 0x7e00 = NaN
      const half = (values: number[]) =>
        tensorFromTypedArray({
          dtype: 'float16',
          dims: [values.length],
          data: Uint16Array.from(values),
        })
      const strict: ComparisonPolicy = { kind: 'allclose', atol: 1e-4, rtol: 0 }
      const result = compareOutputs(strict, half([0x3c00, 0x7e00]), half([0x3c01, 0x7e00]))
      expect(result.ok).toBe(false)
      expect(result.maxAbsDiff).toBeCloseTo(0.0009765625, 10)
      const loose: ComparisonPolicy = { kind: 'allclose', atol: 1e-2, rtol: 0 }
      expect(compareOutputs(loose, half([0x3c00, 0x7e00]), half([0x3c01, 0x7e00])).ok).toBe(true)
    })
  })

  describe('argmax', () => {
    // [1, 3, 4]: three positions (time steps), four classes on the last axis.
    const expected = f32([1, 3, 4], [0.1, 0.7, 0.1, 0.1, 0.5, 0.2, 0.2, 0.1, 0, 0, 0, 1])

    test('default', () => {
      const actual = f32([1, 3, 4], [0.2, 0.6, 0.1, 0.1, 0.4, 0.3, 0.2, 0.1, 0, 0.1, 0, 0.9])
      const result = compareOutputs({ kind: 'argmax', axis: -1, minAgreement: 1 }, expected, actual)
      expect(result.ok).toBe(true)
      expect(result.metric).toEqual({ name: 'agreement', value: 1 })
      expect(result.maxAbsDiff).toBeCloseTo(0.1, 6)
    })

    test('behavior: agreement fraction against minAgreement', () => {
      const actual = f32([1, 3, 4], [0.1, 0.7, 0.1, 0.1, 0.2, 0.5, 0.2, 0.1, 0, 0, 0, 1])
      const policy = (minAgreement: number): ComparisonPolicy => ({
        kind: 'argmax',
        axis: 2,
        minAgreement,
      })
      expect(compareOutputs(policy(0.6), expected, actual)).toMatchObject({
        ok: true,
        metric: { name: 'agreement', value: 2 / 3 },
      })
      expect(compareOutputs(policy(0.9), expected, actual).ok).toBe(false)
    })

    test('behavior: along a middle axis', () => {
      // dims [2, 3, 2]: argmax over axis 1 gives 2 x 2 positions.
      const a = f32([2, 3, 2], [0, 9, 5, 0, 1, 1, 7, 0, 0, 0, 0, 8])
      const b = f32([2, 3, 2], [0, 9, 5, 0, 1, 1, 7, 0, 0, 9, 0, 8])
      const policy: ComparisonPolicy = { kind: 'argmax', axis: 1, minAgreement: 0 }
      // Positions: (0,*,0) -> 1 vs 1; (0,*,1) -> 0 vs 0; (1,*,0) -> 0 vs 0; (1,*,1) -> 2 vs 1.
      expect(compareOutputs(policy, a, b).metric).toEqual({ name: 'agreement', value: 0.75 })
    })

    test('behavior: a NaN wins argmax, so a NaN output disagrees', () => {
      const actual = f32([1, 3, 4], [0.1, 0.7, 0.1, Number.NaN, 0.5, 0.2, 0.2, 0.1, 0, 0, 0, 1])
      const result = compareOutputs({ kind: 'argmax', axis: -1, minAgreement: 1 }, expected, actual)
      expect(result.metric).toEqual({ name: 'agreement', value: 2 / 3 })
    })

    test('error: axis out of range', () => {
      const result = compareOutputs(
        { kind: 'argmax', axis: 3, minAgreement: 1 },
        expected,
        expected,
      )
      expect(result).toEqual({
        ok: false,
        metric: null,
        maxAbsDiff: null,
        detail: 'invalid policy: axis 3 is outside a rank-3 tensor',
      })
    })
  })

  describe('mask-iou', () => {
    const policy: ComparisonPolicy = { kind: 'mask-iou', threshold: 0.3, minIou: 0.5 }

    test('default', () => {
      const a = f32([1, 1, 2, 3], [0.9, 0.8, 0.1, 0.7, 0.2, 0.1])
      const b = f32([1, 1, 2, 3], [0.9, 0.29, 0.1, 0.7, 0.31, 0.1])
      // masks {0,1,3} and {0,3,4}: intersection 2, union 4.
      expect(compareOutputs(policy, a, b)).toMatchObject({
        ok: true,
        metric: { name: 'iou', value: 0.5 },
      })
      expect(compareOutputs({ ...policy, minIou: 0.51 }, a, b).ok).toBe(false)
    })

    test('behavior: two empty masks agree', () => {
      expect(compareOutputs(policy, f32([2], [0.1, 0.2]), f32([2], [0.2, 0.1]))).toMatchObject({
        ok: true,
        metric: { name: 'iou', value: 1 },
      })
    })

    test('behavior: NaN is outside the mask', () => {
      const result = compareOutputs(policy, f32([2], [0.9, 0.9]), f32([2], [0.9, Number.NaN]))
      expect(result.metric).toEqual({ name: 'iou', value: 0.5 })
    })
  })

  describe('errors never throw', () => {
    test('error: dims differ', () => {
      expect(compareOutputs(allclose, f32([1, 2], [0, 0]), f32([2, 1], [0, 0]))).toEqual({
        ok: false,
        metric: null,
        maxAbsDiff: null,
        detail: 'dims [2, 1] differ from the expected [1, 2]',
      })
      expect(compareOutputs(exact, f32([2], [0, 0]), f32([3], [0, 0, 0])).ok).toBe(false)
    })

    test('error: dtype differs', () => {
      const ints = tensorFromTypedArray({
        dtype: 'int32',
        dims: [2],
        data: Int32Array.from([0, 0]),
      })
      expect(compareOutputs(allclose, f32([2], [0, 0]), ints).detail).toBe(
        'dtype int32 differs from the expected float32',
      )
    })

    test('error: malformed bytes', () => {
      const bad = { dtype: 'float32', dims: [2], data: new Uint8Array(7) } as const
      const result = compareOutputs(allclose, f32([2], [0, 0]), bad)
      expect(result.ok).toBe(false)
      expect(result.detail).toMatch(/^malformed tensor: /)
      const notBytes = { dtype: 'float32', dims: [1], data: [1, 2, 3, 4] } as unknown as Tensor
      expect(compareOutputs(exact, f32([1], [0]), notBytes).ok).toBe(false)
    })

    test('error: invalid policies', () => {
      const t = f32([1], [0])
      const bad: unknown[] = [
        { kind: 'allclose', atol: -1, rtol: 0 },
        { kind: 'allclose', atol: Number.NaN, rtol: 0 },
        { kind: 'argmax', axis: 0.5, minAgreement: 1 },
        { kind: 'argmax', axis: 0, minAgreement: 2 },
        { kind: 'mask-iou', threshold: Number.POSITIVE_INFINITY, minIou: 1 },
        { kind: 'mask-iou', threshold: 0.5, minIou: -0.1 },
        { kind: 'fuzzy' },
        null,
      ]
      for (const policy of bad) {
        const result = compareOutputs(policy as ComparisonPolicy, t, t)
        expect(result.ok).toBe(false)
        expect(result.detail).toMatch(/^invalid policy: /)
      }
    })

    test('behavior: unaligned views are read correctly', () => {
      const bytes = new Uint8Array(9)
      bytes.set(new Uint8Array(Float32Array.from([1.5, -2]).buffer), 1)
      const unaligned: Tensor = { dtype: 'float32', dims: [2], data: bytes.subarray(1) }
      expect(compareOutputs(exact, f32([2], [1.5, -2]), unaligned).ok).toBe(true)
    })

    test('behavior: empty tensors match', () => {
      const empty = f32([0, 4], [])
      for (const policy of [
        exact,
        allclose,
        { kind: 'argmax', axis: 1, minAgreement: 1 } as const,
        { kind: 'mask-iou', threshold: 0.5, minIou: 1 } as const,
      ]) {
        expect(compareOutputs(policy, empty, empty).ok).toBe(true)
      }
    })
  })
})
