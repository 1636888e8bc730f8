import type { Backend } from '../messages.ts'
import type { TensorMap } from '../tensor/Tensor.ts'
import { compareOutputs } from './compareOutputs.ts'
import type { ComparisonPolicy, ModelManifest } from './ModelManifest.ts'

/** Who computed a result: a worker's backend, or the gateway's onnxruntime-node CPU re-run. */
export type ResultOrigin = Backend | 'node-cpu'

export type CompareResultsParameters = {
  manifest: Pick<ModelManifest, 'comparison'>
  /** The outputs the job asked for (each result must hold exactly these). */
  outputNames: readonly string[]
  a: { outputs: TensorMap; origin: ResultOrigin }
  b: { outputs: TensorMap; origin: ResultOrigin }
}

export type CompareResultsReturnType = {
  agree: boolean
  /** `exact` when both came from the same bit-reproducible backend, else the manifest's. */
  basis: 'exact' | 'manifest'
  /** One line per output: why it passed or failed. */
  details: Record<string, string>
}

/**
 * Backends whose results are bit-identical run to run and machine to machine (shared/PLATFORM.md:
 * WASM in any browser, 1 or 2 threads, and in Node). Two results from one of them are held to
 * `exact`: a tolerance there would only give a tamperer room.
 */
const reproducible: ReadonlySet<ResultOrigin> = new Set(['wasm'])

/**
 * Judges whether two results of the same job agree. The policy depends on who produced them:
 * WASM against WASM must be bit-identical; any other pair (WebGPU, the gateway's CPU re-run) is
 * judged by the model's manifest policy per output (tolerance, argmax/top-k agreement, mask IoU,
 * decoded text), chosen from the divergence measured between those backends. Pure and total.
 */
export function compareResults(parameters: CompareResultsParameters): CompareResultsReturnType {
  const { manifest, outputNames, a, b } = parameters
  const basis =
    a.origin === b.origin && reproducible.has(a.origin) ? ('exact' as const) : ('manifest' as const)
  const details: Record<string, string> = {}
  let agree = true
  for (const name of outputNames) {
    const left = a.outputs[name]
    const right = b.outputs[name]
    if (!left || !right) {
      agree = false
      details[name] = 'missing from one result'
      continue
    }
    const policy: ComparisonPolicy | undefined =
      basis === 'exact' ? { kind: 'exact' } : manifest.comparison[name]
    if (!policy) {
      agree = false
      details[name] = 'the manifest has no comparison policy for this output'
      continue
    }
    const outcome = compareOutputs(policy, left, right)
    if (!outcome.ok) agree = false
    details[name] = `${policy.kind}: ${outcome.detail}`
  }
  return { agree, basis, details }
}
