import type { Backend, BackendReport } from '../../protocol/messages.ts'
import type { LoadedModel } from './Engine.ts'

/**
 * The worker's hello lists, per backend, which models passed their known-answer test there
 * (protocol `BackendReport`). Built from the engine's LoadedModels; a backend appears once
 * something was self-tested on it, in the order first seen.
 */
export function toBackendReports(models: readonly LoadedModel[]): BackendReport[] {
  const reports = new Map<Backend, BackendReport>()
  for (const model of models) {
    for (const test of model.backends) {
      let report = reports.get(test.backend)
      if (!report) {
        report = { backend: test.backend, selfTests: [] }
        reports.set(test.backend, report)
      }
      report.selfTests.push({ modelId: model.modelId, passed: test.passed })
    }
  }
  return [...reports.values()]
}
