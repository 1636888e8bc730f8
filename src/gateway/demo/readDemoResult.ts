import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import { tensorToTypedArray } from '../../protocol/tensor/tensorToTypedArray.ts'
import type { DemoSample } from './createDemoSamples.ts'
import { decodeRecText } from './decodeRecText.ts'

export type ReadDemoResultParameters = {
  sample: DemoSample
  outputs: TensorMap
  /** PP-OCR rec's dictionary lines. */
  dictionary: readonly string[]
}

export type ReadDemoResultReturnType = {
  /** What the grid's answer says, in a few words: `read '2718'`, `speech 0.46`. */
  said: string
  /** Whether it agrees with what the sample shows. */
  matches: boolean
}

/** PaddleOCR's text threshold on det's probability map; Silero's usual speech threshold. */
const detThreshold = 0.3
const speechThreshold = 0.5

/**
 * Turns a demo job's outputs into the answer a person would read: the text PP-OCR rec read, the
 * direction cls chose, the share of the page det marked as text, the speech probability Silero
 * gave. Outputs were already checked against the manifest when the result was accepted.
 */
export function readDemoResult({
  sample,
  outputs,
  dictionary,
}: ReadDemoResultParameters): ReadDemoResultReturnType {
  const { expected } = sample
  const first = Object.values(outputs)[0]
  switch (expected.kind) {
    case 'text': {
      const output = outputs['softmax_11.tmp_0'] ?? first
      if (!output) break
      const [text = ''] = decodeRecText({ output, dictionary })
      return { said: `read '${text}'`, matches: text === expected.text }
    }
    case 'direction': {
      const output = outputs['softmax_0.tmp_0'] ?? first
      if (!output) break
      const [up = 0, down = 0] = tensorToTypedArray({ ...output, dtype: 'float32' })
      const degrees = down > up ? 180 : 0
      return {
        said: `${degrees} degrees (p ${Math.max(up, down).toFixed(2)})`,
        matches: degrees === expected.degrees,
      }
    }
    case 'page': {
      const output = outputs['sigmoid_0.tmp_0'] ?? first
      if (!output) break
      const map = tensorToTypedArray({ ...output, dtype: 'float32' })
      let text = 0
      for (const p of map) if (p > detThreshold) text++
      const share = map.length ? text / map.length : 0
      return { said: `text on ${(share * 100).toFixed(1)}% of the page`, matches: share > 0 }
    }
    case 'audio': {
      const output = outputs.output ?? first
      if (!output) break
      const [p = 0] = tensorToTypedArray({ ...output, dtype: 'float32' })
      return {
        said: `speech probability ${p.toFixed(2)}`,
        matches: p >= speechThreshold === expected.speech,
      }
    }
  }
  return { said: 'no output', matches: false }
}
