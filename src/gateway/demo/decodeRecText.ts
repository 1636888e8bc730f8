import type { Tensor } from '../../protocol/tensor/Tensor.ts'
import { tensorToTypedArray } from '../../protocol/tensor/tensorToTypedArray.ts'

export type DecodeRecTextParameters = {
  /** PP-OCR rec's output: float32 [batch, steps, classes] probabilities. */
  output: Tensor
  /** The dictionary asset's lines (ppocr_keys_v1.txt): class i + 1 is line i. */
  dictionary: readonly string[]
}

/**
 * Reads PP-OCR rec's output the way PaddleOCR does (greedy CTC): the most likely class per time
 * step, repeats merged, blanks (class 0) dropped. Class i (1 <= i <= lines) is dictionary line
 * i - 1; the one class after the dictionary is a space. Returns one string per batch item.
 */
export function decodeRecText({ output, dictionary }: DecodeRecTextParameters): string[] {
  const [batch = 0, steps = 0, classes = 0] = output.dims
  if (output.dtype !== 'float32' || output.dims.length !== 3)
    throw new TypeError('decodeRecText needs a float32 [batch, steps, classes] tensor.')
  const probabilities = tensorToTypedArray({ ...output, dtype: 'float32' })
  const texts: string[] = []
  for (let b = 0; b < batch; b++) {
    let text = ''
    let previous = 0
    for (let t = 0; t < steps; t++) {
      const offset = (b * steps + t) * classes
      let best = 0
      for (let c = 1; c < classes; c++)
        if ((probabilities[offset + c] ?? 0) > (probabilities[offset + best] ?? 0)) best = c
      if (best !== 0 && best !== previous)
        text += best <= dictionary.length ? (dictionary[best - 1] ?? '') : ' '
      previous = best
    }
    texts.push(text)
  }
  return texts
}
