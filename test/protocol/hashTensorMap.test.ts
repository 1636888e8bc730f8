import { createHash } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import {
  type DType,
  dtypes,
  encodeTensorMapCanonical,
  hashTensorMap,
  sha256Hex,
  type Tensor,
  type TensorMap,
} from '../../src/protocol/index'
import { tensorMapArb } from './arbitraries'

const knownMap: TensorMap = {
  scale: {
    dtype: 'float32',
    dims: [2],
    data: new Uint8Array(new Float32Array([1.5, -2]).buffer),
  },
  input: { dtype: 'uint8', dims: [2, 2], data: new Uint8Array([1, 2, 3, 4]) },
}

// Computed once, independently of src/, with node:crypto over the layout built by hand below.
const KNOWN_HASH = '0xb618fc7dd5fe9fdf26b02f0370cc8bcfd38bc11e7a68a6f4e6a1783b2e3902fe'

/** The layout documented in encodeTensorMapCanonical, written out with Buffer by hand. */
function handBuiltLayout(): Buffer {
  const u8 = (...bytes: number[]) => Buffer.from(bytes)
  const u32 = (n: number) => {
    const b = Buffer.alloc(4)
    b.writeUInt32LE(n)
    return b
  }
  const u64 = (n: number) => {
    const b = Buffer.alloc(8)
    b.writeBigUInt64LE(BigInt(n))
    return b
  }
  const floats = Buffer.alloc(8)
  floats.writeFloatLE(1.5, 0)
  floats.writeFloatLE(-2, 4)
  return Buffer.concat([
    Buffer.from('IGTM'),
    u8(1),
    u32(2),
    // "input" sorts before "scale"
    u32(5),
    Buffer.from('input'),
    u8(2, 2),
    u64(2),
    u64(2),
    u64(4),
    u8(1, 2, 3, 4),
    u32(5),
    Buffer.from('scale'),
    u8(1, 1),
    u64(2),
    u64(8),
    floats,
  ])
}

describe('encodeTensorMapCanonical', () => {
  test('default', () => {
    expect(Buffer.from(encodeTensorMapCanonical(knownMap))).toEqual(handBuiltLayout())
  })

  test('behavior: empty map', () => {
    expect(Buffer.from(encodeTensorMapCanonical({})).toString('hex')).toBe('4947544d0100000000')
  })

  test('behavior: names sort by UTF-8 bytes, not UTF-16 units', () => {
    // U+FF61 is EF BD A1 in UTF-8; U+1F600 is F0 9F 98 80. In UTF-16 the emoji (D83D) sorts first.
    const tensor: Tensor = { dtype: 'uint8', dims: [0], data: new Uint8Array() }
    const bytes = encodeTensorMapCanonical({ '\u{1F600}': tensor, '\uFF61': tensor })
    const first = Buffer.from(bytes.subarray(13, 16)).toString('hex')
    expect(first).toBe('efbda1')
  })

  test('error: invalid tensor', () => {
    const map = { x: { dtype: 'float32', dims: [3], data: new Uint8Array(8) } } as const
    expect(() => encodeTensorMapCanonical(map)).toThrow(
      expect.objectContaining({ name: 'TensorError', code: 'TENSOR_SIZE_MISMATCH' }),
    )
  })
})

describe('hashTensorMap', () => {
  test('default', async () => {
    expect(`0x${createHash('sha256').update(handBuiltLayout()).digest('hex')}`).toBe(KNOWN_HASH)
    expect(await hashTensorMap(knownMap)).toBe(KNOWN_HASH)
  })

  test('behavior: small maps (hashed in JS) and large ones (WebCrypto) both hash the canonical layout', async () => {
    for (const floats of [1, 1024, 16_383, 16_384, 20_000, 300_000]) {
      const data = new Uint8Array(floats * 4).map((_, i) => (i * 31) & 0xff)
      // A view into a larger buffer: only the view may be hashed.
      const backing = new Uint8Array(data.byteLength + 8)
      backing.set(data, 4)
      const map = {
        x: {
          dtype: 'float32' as const,
          dims: [floats],
          data: backing.subarray(4, 4 + data.byteLength),
        },
      }
      const expected = `0x${createHash('sha256').update(encodeTensorMapCanonical(map)).digest('hex')}`
      expect(await hashTensorMap(map), `${floats} floats`).toBe(expected)
    }
  })

  test('behavior: property: independent of insertion order', async () => {
    await fc.assert(
      fc.asyncProperty(tensorMapArb, async (map) => {
        const reversed = Object.fromEntries(Object.entries(map).reverse())
        expect(await hashTensorMap(reversed)).toBe(await hashTensorMap(map))
      }),
      { numRuns: 100 },
    )
  })

  test('behavior: property: same bytes with other dims or dtype hash differently', async () => {
    // 24 bytes can be viewed as every non-bool dtype, in several shapes.
    const shapeOf = fc
      .constantFrom(...NON_BOOL_DTYPES)
      .chain((dtype) =>
        fc.constantFrom(...shapesOf(24 / dtypes[dtype].bytes)).map((dims) => ({ dtype, dims })),
      )
    const arb = fc.tuple(fc.uint8Array({ minLength: 24, maxLength: 24 }), shapeOf, shapeOf)
    await fc.assert(
      fc.asyncProperty(arb, async ([data, a, b]) => {
        fc.pre(a.dtype !== b.dtype || a.dims.join() !== b.dims.join())
        const hashA = await hashTensorMap({ x: { ...a, data } })
        const hashB = await hashTensorMap({ x: { ...b, data } })
        expect(hashA).not.toBe(hashB)
      }),
      { numRuns: 200 },
    )
  })

  test('behavior: [2,3] and [3,2] with equal bytes differ', async () => {
    const data = new Uint8Array(6)
    const a = await hashTensorMap({ x: { dtype: 'uint8', dims: [2, 3], data } })
    const b = await hashTensorMap({ x: { dtype: 'uint8', dims: [3, 2], data } })
    const c = await hashTensorMap({ x: { dtype: 'int8', dims: [2, 3], data } })
    const d = await hashTensorMap({ y: { dtype: 'uint8', dims: [2, 3], data } })
    expect(new Set([a, b, c, d]).size).toBe(4)
  })

  test('behavior: property: distinct maps encode distinctly', () => {
    fc.assert(
      fc.property(tensorMapArb, tensorMapArb, (a, b) => {
        const [ea, eb] = [encodeTensorMapCanonical(a), encodeTensorMapCanonical(b)]
        const equalBytes = Buffer.from(ea).equals(Buffer.from(eb))
        expect(equalBytes).toBe(sameMap(a, b))
      }),
      { numRuns: 300 },
    )
  })
})

const NON_BOOL_DTYPES = (Object.keys(dtypes) as DType[]).filter((dtype) => dtype !== 'bool')

/** Rank 0 to 3 shapes holding `count` elements (rank 0 only when count is 1). */
function shapesOf(count: number): number[][] {
  const shapes: number[][] = [[count], [1, count], [count, 1]]
  for (let a = 2; a < count; a++) {
    if (count % a === 0) shapes.push([a, count / a], [a, 1, count / a])
  }
  if (count === 1) shapes.push([])
  return shapes
}

function sameMap(a: TensorMap, b: TensorMap): boolean {
  const keys = Object.keys(a).sort()
  if (keys.join('\0') !== Object.keys(b).sort().join('\0')) return false
  return keys.every((key) => {
    const [x, y] = [a[key], b[key]]
    return (
      x !== undefined &&
      y !== undefined &&
      x.dtype === y.dtype &&
      x.dims.join() === y.dims.join() &&
      Buffer.from(x.data).equals(Buffer.from(y.data))
    )
  })
}

describe('sha256Hex', () => {
  test('default', async () => {
    expect(await sha256Hex(new TextEncoder().encode('abc'))).toBe(
      '0xba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
  })

  test('behavior: hashes only the view, not its whole buffer', async () => {
    const backing = new TextEncoder().encode('xxabcxx')
    expect(await sha256Hex(backing.subarray(2, 5))).toBe(
      await sha256Hex(new TextEncoder().encode('abc')),
    )
  })
})
