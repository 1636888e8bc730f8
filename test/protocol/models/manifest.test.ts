import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { ModelError } from '../../../src/protocol/errors/ModelError.ts'
import { ModelManifestError } from '../../../src/protocol/errors/ModelManifestError.ts'
import type { ModelManifest } from '../../../src/protocol/models/ModelManifest.ts'
import type { ModelManifestJson } from '../../../src/protocol/models/ModelManifestJson.ts'
import { manifestToJson } from '../../../src/protocol/models/manifestToJson.ts'
import { parseManifest } from '../../../src/protocol/models/parseManifest.ts'
import { tensorFromTypedArray } from '../../../src/protocol/tensor/tensorFromTypedArray.ts'
import { base64ToBytes } from '../../../src/protocol/utils/base64ToBytes.ts'
import { bytesToBase64 } from '../../../src/protocol/utils/bytesToBase64.ts'

const id = `0x${'ab'.repeat(32)}` as const

/** A small, valid manifest shaped like Silero's (a scalar int64 input, two outputs). */
function manifest(): ModelManifest {
  return {
    id,
    name: 'tiny-vad',
    description: 'A test model.',
    task: 'vad',
    size: 1234,
    inputs: [
      { name: 'input', dtype: 'float32', dims: ['batch', 4] },
      { name: 'sr', dtype: 'int64', dims: [] },
    ],
    outputs: [
      { name: 'output', dtype: 'float32', dims: ['batch', 1] },
      { name: 'label', dtype: 'int32', dims: ['batch'] },
    ],
    comparison: {
      output: { kind: 'allclose', atol: 1e-3, rtol: 1e-3 },
      label: { kind: 'exact' },
    },
    knownAnswer: {
      inputs: {
        input: tensorFromTypedArray({
          dtype: 'float32',
          dims: [2, 4],
          data: Float32Array.of(0.5, -1, 2, 3, 4, 5, 6, 7),
        }),
        sr: tensorFromTypedArray({ dtype: 'int64', dims: [], data: BigInt64Array.of(16000n) }),
      },
      outputs: {
        output: tensorFromTypedArray({
          dtype: 'float32',
          dims: [2, 1],
          data: Float32Array.of(0.25, 0.75),
        }),
        label: tensorFromTypedArray({ dtype: 'int32', dims: [2], data: Int32Array.of(0, 1) }),
      },
      reference: 'onnxruntime-node@1.30.0',
    },
    source: { kind: 'npm', package: '@scope/pkg', version: '1.2.3', path: 'dist/model.onnx' },
    assets: {
      dictionary: {
        sha256: `0x${'cd'.repeat(32)}`,
        size: 10,
        mediaType: 'text/plain; charset=utf-8',
      },
    },
  }
}

/** The manifest's JSON after a JSON round trip, as a reader gets it. */
function json(): ModelManifestJson {
  return JSON.parse(JSON.stringify(manifestToJson(manifest())))
}

type Json = Record<string, unknown>
type Key = string | number

/** The object at `keys` inside a parsed JSON value. */
function at(root: Json, keys: readonly Key[]): Json {
  let node = root
  for (const key of keys) node = node[key] as Json
  return node
}

function set(keys: readonly Key[], value: unknown): (m: Json) => void {
  return (m) => {
    at(m, keys.slice(0, -1))[keys.at(-1) as Key] = value
  }
}

function del(keys: readonly Key[]): (m: Json) => void {
  return (m) => {
    delete at(m, keys.slice(0, -1))[keys.at(-1) as Key]
  }
}

function errorOf(value: unknown): ModelManifestError {
  try {
    parseManifest(value)
  } catch (error) {
    if (error instanceof ModelManifestError) return error
    throw error
  }
  throw new Error('parseManifest accepted an invalid manifest.')
}

describe('bytesToBase64 / base64ToBytes', () => {
  test('default: RFC 4648 test vectors', () => {
    const vectors = ['', 'f', 'fo', 'foo', 'foob', 'fooba', 'foobar']
    const encoded = ['', 'Zg==', 'Zm8=', 'Zm9v', 'Zm9vYg==', 'Zm9vYmE=', 'Zm9vYmFy']
    vectors.forEach((text, i) => {
      const bytes = new TextEncoder().encode(text)
      expect(bytesToBase64(bytes)).toBe(encoded[i])
      expect(base64ToBytes(encoded[i] ?? '')).toEqual(bytes)
    })
  })

  test('behavior: agrees with Buffer on any bytes, and round-trips', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000 }), (bytes) => {
        const text = bytesToBase64(bytes)
        expect(text).toBe(Buffer.from(bytes).toString('base64'))
        expect(base64ToBytes(text)).toEqual(bytes)
      }),
      { numRuns: 200 },
    )
  })

  test.each([
    ['Zg=', 'length not a multiple of 4'],
    ['Zg==Zg==', 'padding in the middle'],
    ['Zh==', 'non-zero bits under the padding'],
    ['Zm9=', 'non-zero bits under one pad'],
    ['Zm 9', 'whitespace'],
    ['Zm-_', 'URL-safe alphabet'],
    ['Zm9\u00e9', 'non-ASCII'],
    ['====', 'padding only'],
  ])('error: refuses %j (%s)', (text) => {
    expect(base64ToBytes(text)).toBeUndefined()
  })
})

describe('manifestToJson / parseManifest', () => {
  test('default: round trip', () => {
    const parsed = parseManifest(json())
    expect(parsed).toEqual(manifest())
    expect(manifestToJson(parsed)).toEqual(manifestToJson(manifest()))
  })

  test('default: tensors travel as base64 of their raw bytes', () => {
    expect(json().knownAnswer.inputs.sr).toEqual({ dtype: 'int64', dims: [], data: 'gD4AAAAAAAA=' })
  })

  test('behavior: assets are optional', () => {
    const { assets: _, ...rest } = json()
    expect(parseManifest(rest).assets).toBeUndefined()
  })

  test('behavior: "__proto__" as an output name stays an own property', () => {
    const value = json()
    const text = JSON.stringify(value).replaceAll('"label"', '"__proto__"')
    const parsed = parseManifest(JSON.parse(text))
    expect(Object.hasOwn(parsed.comparison, '__proto__')).toBe(true)
    expect(Object.hasOwn(parsed.knownAnswer.outputs, '__proto__')).toBe(true)
    expect(Object.getPrototypeOf(parsed.comparison)).toBe(Object.prototype)
  })

  type Mutation = (m: Json) => void
  const cases: [string, Mutation, string][] = [
    ['unknown field', set(['extra'], 1), 'manifest.extra'],
    ['id without 0x', set(['id'], 'ab'.repeat(32)), 'id'],
    ['id in upper case', set(['id'], `0x${'AB'.repeat(32)}`), 'id'],
    ['id too short', set(['id'], '0xabcd'), 'id'],
    ['name with capitals', set(['name'], 'Tiny'), 'name'],
    ['name with a trailing dash', set(['name'], 'tiny-'), 'name'],
    ['description too long', set(['description'], 'x'.repeat(1001)), 'description'],
    ['description with a lone surrogate', set(['description'], '\ud800'), 'description'],
    ['unknown task', set(['task'], 'chat'), 'task'],
    ['size 0', set(['size'], 0), 'size'],
    ['size fractional', set(['size'], 1.5), 'size'],
    ['size over 2 GiB', set(['size'], 2 ** 31), 'size'],
    ['no inputs', set(['inputs'], []), 'inputs'],
    [
      'input twice',
      (m) => (at(m, ['inputs']) as unknown as unknown[]).push(at(m, ['inputs', 0])),
      'inputs[2].name',
    ],
    ['empty input name', set(['inputs', 0, 'name'], ''), 'inputs[0].name'],
    ['unknown dtype', set(['inputs', 0, 'dtype'], 'string'), 'inputs[0].dtype'],
    ['negative dim', set(['inputs', 0, 'dims', 1], -1), 'inputs[0].dims[1]'],
    ['axis name with a space', set(['inputs', 0, 'dims', 0], 'the batch'), 'inputs[0].dims[0]'],
    ['rank 9', set(['inputs', 0, 'dims'], Array(9).fill(1)), 'inputs[0].dims'],
    ['extra spec field', set(['outputs', 0, 'shape'], [1]), 'outputs[0].shape'],
    ['output without a policy', del(['comparison', 'label']), 'comparison["label"]'],
    [
      'policy for no output',
      set(['comparison', 'ghost'], { kind: 'exact' }),
      'comparison["ghost"]',
    ],
    [
      'unknown policy kind',
      set(['comparison', 'output'], { kind: 'close' }),
      'comparison["output"].kind',
    ],
    ['negative atol', set(['comparison', 'output', 'atol'], -1), 'comparison["output"].atol'],
    ['atol above 1', set(['comparison', 'output', 'atol'], 2), 'comparison["output"].atol'],
    ['rtol null', set(['comparison', 'output', 'rtol'], null), 'comparison["output"].rtol'],
    [
      'policy with an extra field',
      set(['comparison', 'label', 'atol'], 1),
      'comparison["label"].atol',
    ],
    [
      'argmax axis beyond the rank',
      set(['comparison', 'output'], { kind: 'argmax', axis: 2, minAgreement: 1 }),
      'comparison["output"].axis',
    ],
    [
      'argmax agreement 0',
      set(['comparison', 'output'], { kind: 'argmax', axis: 1, minAgreement: 0 }),
      'comparison["output"].minAgreement',
    ],
    [
      'mask-iou above 1',
      set(['comparison', 'output'], { kind: 'mask-iou', threshold: 0.3, minIou: 1.5 }),
      'comparison["output"].minIou',
    ],
    [
      'known answer without an input',
      del(['knownAnswer', 'inputs', 'sr']),
      'knownAnswer.inputs["sr"]',
    ],
    [
      'known answer with an unknown output',
      (m) =>
        set(['knownAnswer', 'outputs', 'ghost'], at(m, ['knownAnswer', 'outputs', 'label']))(m),
      'knownAnswer.outputs["ghost"]',
    ],
    [
      'bad base64',
      set(['knownAnswer', 'inputs', 'sr', 'data'], 'gD4AAAAAAAA'),
      'knownAnswer.inputs["sr"].data',
    ],
    [
      'bytes that do not fit the dims',
      set(['knownAnswer', 'inputs', 'sr', 'data'], 'gD4AAA=='),
      'knownAnswer.inputs["sr"]',
    ],
    [
      'dtype other than declared',
      set(['knownAnswer', 'outputs', 'label', 'dtype'], 'uint32'),
      'knownAnswer.outputs["label"].dtype',
    ],
    [
      'fixed dim other than declared',
      set(['knownAnswer', 'inputs', 'input', 'dims'], [4, 2]),
      'knownAnswer.inputs["input"].dims[1]',
    ],
    [
      'rank other than declared',
      set(['knownAnswer', 'outputs', 'label', 'dims'], [1, 2]),
      'knownAnswer.outputs["label"].dims',
    ],
    [
      'known answer over 16 MiB',
      set(['knownAnswer', 'inputs', 'input', 'data'], 'A'.repeat(23_000_000)),
      'knownAnswer.inputs["input"].data',
    ],
    [
      'reference with spaces',
      set(['knownAnswer', 'reference'], 'node 1.30'),
      'knownAnswer.reference',
    ],
    ['unknown source kind', set(['source'], { kind: 'http' }), 'source.kind'],
    ['npm path leaving the package', set(['source', 'path'], '../x.onnx'), 'source.path'],
    ['npm name with capitals', set(['source', 'package'], 'Pkg'), 'source.package'],
    [
      'operator hash other than the id',
      set(['source'], {
        kind: 'operator',
        addedAt: '2026-11-25T10:00:00.000Z',
        sha256: `0x${'cd'.repeat(32)}`,
      }),
      'source.sha256',
    ],
    [
      'operator time not ISO',
      set(['source'], { kind: 'operator', addedAt: 'yesterday', sha256: id }),
      'source.addedAt',
    ],
    [
      'asset name with a slash',
      (m) => set(['assets'], { 'a/b': at(m, ['assets', 'dictionary']) })(m),
      'assets["a/b"]',
    ],
    [
      'asset media type',
      set(['assets', 'dictionary', 'mediaType'], 'text'),
      'assets["dictionary"].mediaType',
    ],
  ]

  test('error: not an object', () => {
    expect(errorOf('nope').details.path).toBe('manifest')
    expect(errorOf([]).details.path).toBe('manifest')
  })

  test.each(cases)('error: %s', (_, mutate, path) => {
    const value = json() as unknown as Json
    mutate(value)
    const error = errorOf(value)
    expect(error).toBeInstanceOf(ModelError)
    expect(error.code).toBe('MODEL_MANIFEST_INVALID')
    expect(error.details.path).toBe(path)
    expect(error.shortMessage).toContain(path)
  })

  test('error: the message names the field and the rule', () => {
    const value = json() as unknown as Json
    set(['comparison', 'output', 'atol'], 5)(value)
    expect(errorOf(value).shortMessage).toMatchInlineSnapshot(
      `"Invalid model manifest at comparison["output"].atol: expected a number in [0, 1]."`,
    )
  })
})
