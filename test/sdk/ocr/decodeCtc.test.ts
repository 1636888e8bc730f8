import { describe, expect, test } from 'vitest'
import { decodeCtc } from '../../../src/sdk/ocr/decodeCtc.ts'
import { parseDictionary } from '../../../src/sdk/ocr/parseDictionary.ts'

const dictionary = ['H', 'i', 'l']
const classes = dictionary.length + 2 // blank, H, i, l, space

/** One step per class index, each with the given probability on that class. */
function steps(path: readonly number[], probability = 0.9): Float32Array {
  const rest = (1 - probability) / (classes - 1)
  const out = new Float32Array(path.length * classes).fill(rest)
  path.forEach((c, step) => {
    out[step * classes + c] = probability
  })
  return out
}

const decode = (path: number[], probability?: number) =>
  decodeCtc({ probabilities: steps(path, probability), steps: path.length, classes, dictionary })

describe('decodeCtc', () => {
  test('default: merges repeats and drops blanks', () => {
    expect(decode([0, 1, 1, 0, 2, 2, 2, 0, 3, 0]).text).toBe('Hil')
  })

  test('behavior: a blank between two equal classes keeps both ("ll")', () => {
    expect(decode([1, 2, 3, 3, 0, 3, 0]).text).toBe('Hill')
    expect(decode([1, 2, 3, 3, 3, 3]).text).toBe('Hil')
  })

  test('behavior: the class after the dictionary is a space', () => {
    expect(decode([1, 2, 4, 4, 3]).text).toBe('Hi l')
  })

  test('behavior: confidence is the mean best probability of the characters kept', () => {
    const probabilities = steps([1, 1, 0, 2])
    probabilities[1 * classes + 1] = 0.5 // the repeat of H does not count
    probabilities[3 * classes + 2] = 0.7
    const { text, confidence } = decodeCtc({ probabilities, steps: 4, classes, dictionary })
    expect(text).toBe('Hi')
    expect(confidence).toBeCloseTo((0.9 + 0.7) / 2, 6)
  })

  test('behavior: all blanks is an empty line with confidence 1', () => {
    expect(decode([0, 0, 0])).toEqual({ text: '', confidence: 1 })
  })

  test('error: a probability array of the wrong size throws', () => {
    expect(() =>
      decodeCtc({ probabilities: new Float32Array(7), steps: 2, classes, dictionary }),
    ).toThrow(RangeError)
  })
})

describe('parseDictionary', () => {
  test('default: one entry per line; a final newline adds none; CRLF is accepted', () => {
    expect(parseDictionary('a\nb\n')).toEqual(['a', 'b'])
    expect(parseDictionary(new TextEncoder().encode('中\r\n文'))).toEqual(['中', '文'])
  })

  test('behavior: an entry that is itself a space or empty keeps its index', () => {
    expect(parseDictionary('a\n \n\nb')).toEqual(['a', ' ', '', 'b'])
  })
})
