export type DecodeCtcParameters = {
  /** Class probabilities, row-major [steps, classes] (one line of the rec output). */
  probabilities: Float32Array
  steps: number
  classes: number
  /** Characters of classes 1..n (parseDictionary); class n + 1 is a space; class 0 is blank. */
  dictionary: readonly string[]
}

export type DecodeCtcReturnType = {
  text: string
  /** Mean probability of the characters kept (1 for an empty line). */
  confidence: number
}

/**
 * CTC greedy decoding: take the most likely class at each time step, merge runs of the same
 * class, drop blanks. A character repeated in the text ("ll") survives because the model puts a
 * blank between the two.
 */
export function decodeCtc(parameters: DecodeCtcParameters): DecodeCtcReturnType {
  const { probabilities, steps, classes, dictionary } = parameters
  if (probabilities.length !== steps * classes)
    throw new RangeError(`${steps} steps of ${classes} classes need ${steps * classes} values.`)
  let text = ''
  let sum = 0
  let kept = 0
  let previous = -1
  for (let step = 0; step < steps; step++) {
    const offset = step * classes
    let best = 0
    let bestProbability = probabilities[offset] ?? 0
    for (let c = 1; c < classes; c++) {
      const probability = probabilities[offset + c] ?? 0
      if (probability > bestProbability) {
        best = c
        bestProbability = probability
      }
    }
    if (best !== 0 && best !== previous) {
      text += best <= dictionary.length ? dictionary[best - 1] : ' '
      sum += bestProbability
      kept++
    }
    previous = best
  }
  return { text, confidence: kept === 0 ? 1 : sum / kept }
}
