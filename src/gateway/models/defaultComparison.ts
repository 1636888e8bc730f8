import type { ComparisonPolicy, TensorSpec } from '../../protocol/models/ModelManifest.ts'

/**
 * Comparison policies for a model nobody described: float outputs may differ by 1e-3 absolute
 * plus 1e-3 relative between backends (above the ~1e-4 measured for real models, see
 * shared/PLATFORM.md); integer and bool outputs (indices, masks, token ids) must be equal.
 */
export function defaultComparison(
  outputs: readonly TensorSpec[],
): Record<string, ComparisonPolicy> {
  return Object.fromEntries(
    outputs.map((output): [string, ComparisonPolicy] => [
      output.name,
      output.dtype.startsWith('float')
        ? { kind: 'allclose', atol: 1e-3, rtol: 1e-3 }
        : { kind: 'exact' },
    ]),
  )
}
