import type { InferenceSession } from 'onnxruntime-web'
import { compareOutputs } from '../../protocol/models/compareOutputs.ts'
import type { ModelManifest } from '../../protocol/models/ModelManifest.ts'
import type { BackendSelfTest } from './Engine.ts'
import { fromOrtTensor } from './fromOrtTensor.ts'
import type { Ort } from './loadOrt.ts'
import { toOrtTensor } from './toOrtTensor.ts'

export type RunSelfTestParameters = {
  ort: Ort
  session: InferenceSession
  manifest: ModelManifest
}

export type RunSelfTestReturnType = Pick<BackendSelfTest, 'passed' | 'reason' | 'outputs' | 'runMs'>

/**
 * Runs the manifest's known-answer input on one backend's session and judges every expected
 * output with the manifest's comparison policy for it. Never throws: a backend that cannot run
 * the model, or runs it wrong, simply does not pass (and the reason says why).
 */
export async function runSelfTest(
  parameters: RunSelfTestParameters,
): Promise<RunSelfTestReturnType> {
  const { ort, session, manifest } = parameters
  const expected = manifest.knownAnswer.outputs
  const names = Object.keys(expected)
  if (names.length === 0) {
    return {
      passed: false,
      reason: 'The manifest has no known-answer outputs.',
      outputs: {},
      runMs: 0,
    }
  }
  const missingPolicy = names.find((name) => !manifest.comparison[name])
  if (missingPolicy !== undefined) {
    return {
      passed: false,
      reason: `The manifest has no comparison policy for output ${JSON.stringify(missingPolicy)}.`,
      outputs: {},
      runMs: 0,
    }
  }
  let results: InferenceSession.OnnxValueMapType
  const started = performance.now()
  try {
    const feeds = Object.fromEntries(
      Object.entries(manifest.knownAnswer.inputs).map(([name, t]) => [name, toOrtTensor(ort, t)]),
    )
    results = await session.run(feeds, names)
  } catch (error) {
    return {
      passed: false,
      reason: `The known-answer run failed: ${error instanceof Error ? error.message : String(error)}`,
      outputs: {},
      runMs: performance.now() - started,
    }
  }
  const runMs = performance.now() - started
  const outputs: BackendSelfTest['outputs'] = {}
  for (const name of names) {
    const want = expected[name]
    const got = results[name]
    const policy = manifest.comparison[name]
    if (!want || !policy) continue
    if (!got) {
      outputs[name] = { ok: false, metric: null, maxAbsDiff: null, detail: 'output missing' }
      continue
    }
    try {
      outputs[name] = compareOutputs(policy, want, fromOrtTensor(name, got as never))
    } catch (error) {
      outputs[name] = {
        ok: false,
        metric: null,
        maxAbsDiff: null,
        detail: error instanceof Error ? error.message : String(error),
      }
    }
  }
  const failed = names.filter((name) => !outputs[name]?.ok)
  const summary = names
    .map((name) => `${name}: ${outputs[name]?.detail ?? 'not compared'}`)
    .join('; ')
  return {
    passed: failed.length === 0,
    reason:
      failed.length === 0
        ? `Known answer reproduced (${summary}).`
        : `Known answer NOT reproduced for ${failed.map((n) => JSON.stringify(n)).join(', ')} (${summary}).`,
    outputs,
    runMs,
  }
}
