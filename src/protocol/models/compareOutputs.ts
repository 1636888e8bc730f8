import { dtypes } from '../tensor/dtypes.ts'
import type { Tensor } from '../tensor/Tensor.ts'
import { tensorToTypedArray } from '../tensor/tensorToTypedArray.ts'
import type { ComparisonPolicy } from './ModelManifest.ts'

/** What a policy measures: the number it judges by. */
export type CompareMetric =
  /** `exact`: elements whose bytes differ. */
  | { name: 'mismatches'; value: number }
  /** `allclose`: the largest |expected - actual| over elements finite in both. */
  | { name: 'maxAbsDiff'; value: number }
  /** `argmax`: fraction (0..1) of positions whose argmax agrees. */
  | { name: 'agreement'; value: number }
  /** `mask-iou`: intersection over union of the thresholded masks (1 when both are empty). */
  | { name: 'iou'; value: number }
  /** `ctc-text`: decoded sequences that differ (0 or 1 per leading position; 0 passes). */
  | { name: 'textMismatches'; value: number }

export type CompareOutputsReturnType = {
  ok: boolean
  /** null when the tensors could not be compared at all (dtype, shape, malformed bytes, policy). */
  metric: CompareMetric | null
  /**
   * The largest |expected - actual| over elements finite in both, whatever the policy, whenever
   * the two tensors have the same dtype and dims (0 for empty tensors); null otherwise. Reported
   * so a passing comparison still says how far apart the backends are.
   */
  maxAbsDiff: number | null
  /** One line for people and logs: why it passed or failed. */
  detail: string
}

/**
 * Judges whether `actual` (one output of a model run) matches `expected` under a comparison
 * policy from the model's manifest. Pure and total: it never throws, whatever it is given (a
 * backend that returns the wrong shape or dtype, malformed bytes, an invalid policy); it answers
 * `ok: false` with the reason instead, because its callers (the self-test, the verifier) must
 * treat every such case as "does not match".
 *
 * NaN follows numpy: it never equals a number (allclose counts two NaNs as equal, since a NaN the
 * reference also produced is not a backend error), it wins argmax, and it is outside every mask.
 */
export function compareOutputs(
  policy: ComparisonPolicy,
  expected: Tensor,
  actual: Tensor,
): CompareOutputsReturnType {
  const problem = policyProblem(policy, expected.dims?.length ?? 0)
  if (problem) return fail(`invalid policy: ${problem}`)
  if (expected.dtype !== actual.dtype) {
    return fail(`dtype ${String(actual.dtype)} differs from the expected ${String(expected.dtype)}`)
  }
  if (!sameDims(expected.dims, actual.dims)) {
    return fail(
      `dims [${dimsText(actual.dims)}] differ from the expected [${dimsText(expected.dims)}]`,
    )
  }
  let a: ArrayLike<number>
  let b: ArrayLike<number>
  try {
    a = readNumbers(expected)
    b = readNumbers(actual)
  } catch (error) {
    return fail(`malformed tensor: ${error instanceof Error ? error.message : String(error)}`)
  }
  const maxAbsDiff = maxAbsDiffOf(a, b)
  switch (policy.kind) {
    case 'exact':
      return compareExact(expected, actual, maxAbsDiff)
    case 'allclose':
      return compareAllclose(policy, a, b, maxAbsDiff)
    case 'argmax':
      return compareArgmax(policy, expected.dims, a, b, maxAbsDiff)
    case 'mask-iou':
      return compareMaskIou(policy, a, b, maxAbsDiff)
    case 'topk':
      return compareTopk(policy, expected.dims, a, b, maxAbsDiff)
    case 'ctc-text':
      return compareCtcText(policy, expected.dims, a, b, maxAbsDiff)
  }
}

function fail(detail: string): CompareOutputsReturnType {
  return { ok: false, metric: null, maxAbsDiff: null, detail }
}

function policyProblem(policy: ComparisonPolicy, rank: number): string | undefined {
  switch (policy?.kind) {
    case 'exact':
      return undefined
    case 'allclose':
      if (!isNonNegative(policy.atol) || !isNonNegative(policy.rtol))
        return 'atol and rtol must be finite and >= 0'
      return undefined
    case 'argmax':
      if (!Number.isInteger(policy.axis) || policy.axis < -rank || policy.axis >= rank)
        return `axis ${policy.axis} is outside a rank-${rank} tensor`
      if (!isFraction(policy.minAgreement)) return 'minAgreement must lie in 0..1'
      return undefined
    case 'mask-iou':
      if (!Number.isFinite(policy.threshold)) return 'threshold must be finite'
      if (!isFraction(policy.minIou)) return 'minIou must lie in 0..1'
      return undefined
    case 'topk':
      if (!Number.isInteger(policy.axis) || policy.axis < -rank || policy.axis >= rank)
        return `axis ${policy.axis} is outside a rank-${rank} tensor`
      if (!Number.isInteger(policy.k) || policy.k < 1) return 'k must be a whole number >= 1'
      if (!isFraction(policy.minAgreement)) return 'minAgreement must lie in 0..1'
      return undefined
    case 'ctc-text':
      if (!Number.isInteger(policy.axis) || policy.axis < -rank || policy.axis >= rank)
        return `axis ${policy.axis} is outside a rank-${rank} tensor`
      if (!Number.isInteger(policy.blank) || policy.blank < 0) return 'blank must be >= 0'
      return undefined
    default:
      return `unknown kind ${String((policy as { kind?: unknown } | undefined)?.kind)}`
  }
}

const isNonNegative = (x: number) => Number.isFinite(x) && x >= 0
const isFraction = (x: number) => Number.isFinite(x) && x >= 0 && x <= 1

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return (
    Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((d, i) => d === b[i])
  )
}

function dimsText(dims: readonly number[] | undefined): string {
  return Array.isArray(dims) ? dims.join(', ') : String(dims)
}

/** The elements as numbers (int64 via Number: exact enough to compare, and exact is bytewise). */
function readNumbers(tensor: Tensor): ArrayLike<number> {
  const array = tensorToTypedArray(tensor)
  if (tensor.dtype === 'float16') return decodeHalves(array as Uint16Array)
  if (array instanceof BigInt64Array || array instanceof BigUint64Array) {
    return Float64Array.from(array, (x) => Number(x))
  }
  return array as ArrayLike<number>
}

function decodeHalves(halves: Uint16Array): Float64Array {
  const out = new Float64Array(halves.length)
  for (let i = 0; i < halves.length; i++) out[i] = halfToNumber(halves[i] ?? 0)
  return out
}

function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024)
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024)
}

function maxAbsDiffOf(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0
    const y = b[i] ?? 0
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue
    const diff = Math.abs(x - y)
    if (diff > max) max = diff
  }
  return max
}

function compareExact(
  expected: Tensor,
  actual: Tensor,
  maxAbsDiff: number,
): CompareOutputsReturnType {
  const size = dtypes[expected.dtype].bytes
  const count = expected.data.byteLength / size
  let mismatches = 0
  for (let i = 0; i < count; i++) {
    for (let j = i * size; j < (i + 1) * size; j++) {
      if (expected.data[j] !== actual.data[j]) {
        mismatches++
        break
      }
    }
  }
  return {
    ok: mismatches === 0,
    metric: { name: 'mismatches', value: mismatches },
    maxAbsDiff,
    detail:
      mismatches === 0
        ? `all ${count} elements are bit-identical`
        : `${mismatches} of ${count} elements differ (max abs diff ${maxAbsDiff})`,
  }
}

function compareAllclose(
  policy: { atol: number; rtol: number },
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  maxAbsDiff: number,
): CompareOutputsReturnType {
  let failures = 0
  let firstFailure = -1
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i] ?? 0
    const got = actual[i] ?? 0
    if (isClose(want, got, policy.atol, policy.rtol)) continue
    failures++
    if (firstFailure < 0) firstFailure = i
  }
  const tolerance = `atol ${policy.atol}, rtol ${policy.rtol}`
  return {
    ok: failures === 0,
    metric: { name: 'maxAbsDiff', value: maxAbsDiff },
    maxAbsDiff,
    detail:
      failures === 0
        ? `max abs diff ${maxAbsDiff} within ${tolerance}`
        : `${failures} of ${expected.length} elements outside ${tolerance} (max abs diff ${maxAbsDiff}; first at index ${firstFailure}: expected ${expected[firstFailure]}, got ${actual[firstFailure]})`,
  }
}

function isClose(want: number, got: number, atol: number, rtol: number): boolean {
  if (Number.isNaN(want) || Number.isNaN(got)) return Number.isNaN(want) && Number.isNaN(got)
  if (want === got) return true // equal infinities
  return Math.abs(got - want) <= atol + rtol * Math.abs(want)
}

function compareArgmax(
  policy: { axis: number; minAgreement: number },
  dims: readonly number[],
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  maxAbsDiff: number,
): CompareOutputsReturnType {
  const axis = policy.axis < 0 ? policy.axis + dims.length : policy.axis
  const length = dims[axis] ?? 0
  // Row-major: elements along `axis` sit `stride` apart; `outer` blocks of `length * stride`.
  let stride = 1
  for (let i = axis + 1; i < dims.length; i++) stride *= dims[i] ?? 0
  let outer = 1
  for (let i = 0; i < axis; i++) outer *= dims[i] ?? 0
  const positions = length === 0 ? 0 : outer * stride
  let agree = 0
  for (let o = 0; o < outer; o++) {
    for (let s = 0; s < stride; s++) {
      const start = o * length * stride + s
      if (
        length > 0 &&
        argmaxAt(expected, start, length, stride) === argmaxAt(actual, start, length, stride)
      )
        agree++
    }
  }
  const agreement = positions === 0 ? 1 : agree / positions
  const ok = agreement >= policy.minAgreement
  return {
    ok,
    metric: { name: 'agreement', value: agreement },
    maxAbsDiff,
    detail: `argmax along axis ${policy.axis} agrees at ${agree} of ${positions} positions (${formatFraction(agreement)}; needs ${formatFraction(policy.minAgreement)})`,
  }
}

/** First index of the maximum; NaN counts as larger than everything (as numpy's argmax). */
function argmaxAt(
  values: ArrayLike<number>,
  start: number,
  length: number,
  stride: number,
): number {
  let best = 0
  let bestValue = values[start] ?? 0
  if (Number.isNaN(bestValue)) return 0
  for (let k = 1; k < length; k++) {
    const value = values[start + k * stride] ?? 0
    if (Number.isNaN(value)) return k
    if (value > bestValue) {
      best = k
      bestValue = value
    }
  }
  return best
}

function compareMaskIou(
  policy: { threshold: number; minIou: number },
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  maxAbsDiff: number,
): CompareOutputsReturnType {
  let intersection = 0
  let union = 0
  let flipped = 0
  for (let i = 0; i < expected.length; i++) {
    // `>` with NaN is false: a NaN pixel is outside the mask.
    const inExpected = (expected[i] ?? 0) > policy.threshold
    const inActual = (actual[i] ?? 0) > policy.threshold
    if (inExpected && inActual) intersection++
    if (inExpected || inActual) union++
    if (inExpected !== inActual) flipped++
  }
  const iou = union === 0 ? 1 : intersection / union
  return {
    ok: iou >= policy.minIou,
    metric: { name: 'iou', value: iou },
    maxAbsDiff,
    detail: `mask IoU at threshold ${policy.threshold} is ${formatFraction(iou)} (${flipped} of ${expected.length} pixels flip, ${union} in the union; needs ${formatFraction(policy.minIou)})`,
  }
}

/** Row-major geometry of `axis`: `outer` blocks of `length` entries `stride` apart. */
function axisGeometry(dims: readonly number[], axisOrNegative: number) {
  const axis = axisOrNegative < 0 ? axisOrNegative + dims.length : axisOrNegative
  const length = dims[axis] ?? 0
  let stride = 1
  for (let i = axis + 1; i < dims.length; i++) stride *= dims[i] ?? 0
  let outer = 1
  for (let i = 0; i < axis; i++) outer *= dims[i] ?? 0
  return { axis, length, stride, outer }
}

/** Indices of the k largest values (NaN largest, ties to the lower index), as a sorted key. */
function topkKey(
  values: ArrayLike<number>,
  start: number,
  length: number,
  stride: number,
  k: number,
): string {
  const indices = Array.from({ length }, (_, i) => i)
  const at = (i: number) => {
    const v = values[start + i * stride] ?? 0
    return Number.isNaN(v) ? Number.POSITIVE_INFINITY : v
  }
  indices.sort((x, y) => at(y) - at(x) || x - y)
  return indices
    .slice(0, k)
    .sort((x, y) => x - y)
    .join(',')
}

function compareTopk(
  policy: { axis: number; k: number; minAgreement: number },
  dims: readonly number[],
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  maxAbsDiff: number,
): CompareOutputsReturnType {
  const { length, stride, outer } = axisGeometry(dims, policy.axis)
  const positions = length === 0 ? 0 : outer * stride
  let agree = 0
  for (let o = 0; o < outer; o++) {
    for (let s = 0; s < stride && length > 0; s++) {
      const start = o * length * stride + s
      const k = Math.min(policy.k, length)
      if (topkKey(expected, start, length, stride, k) === topkKey(actual, start, length, stride, k))
        agree++
    }
  }
  const agreement = positions === 0 ? 1 : agree / positions
  return {
    ok: agreement >= policy.minAgreement,
    metric: { name: 'agreement', value: agreement },
    maxAbsDiff,
    detail: `top-${policy.k} sets along axis ${policy.axis} agree at ${agree} of ${positions} positions (${formatFraction(agreement)}; needs ${formatFraction(policy.minAgreement)})`,
  }
}

/**
 * Greedy CTC decoding per sequence: the class axis is `axis`, the time axis the one before it
 * (positions before that are separate sequences, e.g. a batch). Equal class sequences decode to
 * equal text under any dictionary.
 */
function compareCtcText(
  policy: { axis: number; blank: number },
  dims: readonly number[],
  expected: ArrayLike<number>,
  actual: ArrayLike<number>,
  maxAbsDiff: number,
): CompareOutputsReturnType {
  const { axis, length, stride, outer } = axisGeometry(dims, policy.axis)
  // Sequences: the time axis is axis - 1 (or a single step for axis 0).
  const steps = axis === 0 ? 1 : (dims[axis - 1] ?? 0)
  const sequences = steps === 0 ? 0 : Math.floor(outer / steps) * stride
  let mismatches = 0
  let first = ''
  for (let q = 0; q < sequences; q++) {
    const block = Math.floor(q / stride)
    const s = q % stride
    const decode = (values: ArrayLike<number>) => {
      const out: number[] = []
      let previous = -1
      for (let t = 0; t < steps; t++) {
        const o = block * steps + t
        const c = length > 0 ? argmaxAt(values, o * length * stride + s, length, stride) : -1
        if (c !== previous && c !== policy.blank) out.push(c)
        previous = c
      }
      return out.join(' ')
    }
    const want = decode(expected)
    const got = decode(actual)
    if (want !== got) {
      mismatches++
      if (!first) first = `sequence ${q}: expected classes [${want}], got [${got}]`
    }
  }
  return {
    ok: mismatches === 0,
    metric: { name: 'textMismatches', value: mismatches },
    maxAbsDiff,
    detail:
      mismatches === 0
        ? `all ${sequences} decoded texts are equal (CTC, blank ${policy.blank})`
        : `${mismatches} of ${sequences} decoded texts differ (${first})`,
  }
}

function formatFraction(x: number): string {
  return String(Math.round(x * 1e6) / 1e6)
}
