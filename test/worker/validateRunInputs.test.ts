import { describe, expect, test } from 'vitest'
import { EngineError } from '../../src/protocol/errors/EngineError.ts'
import { TensorError } from '../../src/protocol/errors/TensorError.ts'
import type { ModelManifest } from '../../src/protocol/models/ModelManifest.ts'
import type { TensorMap } from '../../src/protocol/tensor/Tensor.ts'
import { validateRunInputs } from '../../src/worker/engine/validateRunInputs.ts'

const manifest = {
  id: `0x${'ab'.repeat(32)}`,
  name: 'm',
  inputs: [
    { name: 'x', dtype: 'float32', dims: ['batch', 3, 'height', 'width'] },
    { name: 'sr', dtype: 'int64', dims: [] },
  ],
  outputs: [
    { name: 'y', dtype: 'float32', dims: ['batch', 2] },
    { name: 'z', dtype: 'float32', dims: [1] },
  ],
} as unknown as ModelManifest

const f32 = (dims: number[]) => ({
  dtype: 'float32' as const,
  dims,
  data: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
})
const good: TensorMap = {
  x: f32([2, 3, 4, 5]),
  sr: { dtype: 'int64', dims: [], data: new Uint8Array(8) },
}

function errorOf(fn: () => unknown): EngineError | TensorError {
  try {
    fn()
  } catch (error) {
    if (error instanceof EngineError || error instanceof TensorError) return error
    throw error
  }
  throw new Error('expected an error')
}

describe('validateRunInputs', () => {
  test('default: every output when none are named', () => {
    expect(validateRunInputs(manifest, good, undefined)).toEqual({ outputNames: ['y', 'z'] })
    expect(validateRunInputs(manifest, good, [])).toEqual({ outputNames: ['y', 'z'] })
    expect(validateRunInputs(manifest, good, ['z'])).toEqual({ outputNames: ['z'] })
  })

  test('error: a missing, extra or mistyped input', () => {
    expect(
      errorOf(() => validateRunInputs(manifest, { x: good.x as never }, undefined)),
    ).toMatchObject({
      code: 'ENGINE_INPUT_MISMATCH',
      details: { input: 'sr' },
    })
    expect(
      errorOf(() => validateRunInputs(manifest, { ...good, extra: f32([1]) }, undefined)),
    ).toMatchObject({
      code: 'ENGINE_INPUT_MISMATCH',
      details: { input: 'extra', expectedInputs: 'x,sr' },
    })
    expect(
      errorOf(() =>
        validateRunInputs(
          manifest,
          { ...good, sr: { dtype: 'int32', dims: [], data: new Uint8Array(4) } },
          undefined,
        ),
      ),
    ).toMatchObject({
      code: 'ENGINE_INPUT_MISMATCH',
      details: { input: 'sr', expectedDtype: 'int64', dtype: 'int32' },
    })
  })

  test('error: a fixed dim or the rank differs', () => {
    expect(
      errorOf(() => validateRunInputs(manifest, { ...good, x: f32([2, 1, 4, 5]) }, undefined)),
    ).toMatchInlineSnapshot(`
      [EngineError: Input "x" has dims [2, 1, 4, 5]; the model takes [batch, 3, height, width].

      Code: ENGINE_INPUT_MISMATCH]
    `)
    expect(
      errorOf(() => validateRunInputs(manifest, { ...good, x: f32([3, 4, 5]) }, undefined)),
    ).toMatchObject({
      code: 'ENGINE_INPUT_MISMATCH',
      details: { expectedDims: 'batchx3xheightxwidth', dims: '3x4x5' },
    })
  })

  test('error: unknown or repeated output names', () => {
    expect(errorOf(() => validateRunInputs(manifest, good, ['w']))).toMatchObject({
      code: 'ENGINE_INPUT_MISMATCH',
      details: { output: 'w', expectedOutputs: 'y,z' },
    })
    expect(errorOf(() => validateRunInputs(manifest, good, ['y', 'y']))).toMatchObject({
      code: 'ENGINE_INPUT_MISMATCH',
    })
  })

  test('error: a malformed tensor is a TensorError', () => {
    const bad = { ...good, x: { dtype: 'float32', dims: [2, 3, 4, 5], data: new Uint8Array(3) } }
    expect(errorOf(() => validateRunInputs(manifest, bad as TensorMap, undefined))).toMatchObject({
      name: 'TensorError',
      code: 'TENSOR_SIZE_MISMATCH',
    })
  })
})
