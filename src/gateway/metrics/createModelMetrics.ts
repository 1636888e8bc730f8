import { Gauge, type Registry } from 'prom-client'
import type { ModelId } from '../../protocol/messages.ts'

export type ModelMetricsComponents = {
  /** The models the gateway serves (read at scrape time: operators add models while it runs). */
  models: () => readonly { id: ModelId; name: string }[]
  /** Connected workers able to run a model (the scheduler's view of their self-tests). */
  workersFor: (modelId: ModelId) => number
  /** Connected workers by backend offered (the work protocol's active sessions). */
  workersByBackend: () => ReadonlyMap<string, number>
}

/** The gauge's name: the network page and its stats endpoint read it by this name. */
export const MODEL_WORKERS_METRIC = 'inference_grid_model_workers'
export const BACKEND_WORKERS_METRIC = 'inference_grid_backend_workers'

/**
 * One series per model the gateway serves: how many connected workers can run it now; and one per
 * backend workers offer. Read at scrape time, like the scheduler's gauges, so they cost nothing
 * between scrapes.
 */
export function createModelMetrics(registry: Registry, components: ModelMetricsComponents): void {
  new Gauge({
    name: MODEL_WORKERS_METRIC,
    help: 'Connected workers able to run the model (a backend passed its self-test), by model name.',
    labelNames: ['model'],
    registers: [registry],
    collect() {
      // A model removed since the last scrape must not keep its old series.
      this.reset()
      for (const model of components.models())
        this.set({ model: model.name }, components.workersFor(model.id))
    },
  })
  new Gauge({
    name: BACKEND_WORKERS_METRIC,
    help: 'Connected workers by inference backend offered in their hello (wasm, webgpu, ...).',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      this.reset()
      for (const [backend, count] of components.workersByBackend()) this.set({ backend }, count)
    },
  })
}
