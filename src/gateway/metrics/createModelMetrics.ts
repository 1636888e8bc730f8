import { Gauge, type Registry } from 'prom-client'
import type { ModelId } from '../../protocol/messages.ts'

export type ModelMetricsComponents = {
  /** The models the gateway serves (read at scrape time: operators add models while it runs). */
  models: () => readonly { id: ModelId; name: string }[]
  /** Connected workers able to run a model (the scheduler's view of their self-tests). */
  workersFor: (modelId: ModelId) => number
}

/** The gauge's name: the network page and its stats endpoint read it by this name. */
export const MODEL_WORKERS_METRIC = 'inference_grid_model_workers'

/**
 * One series per model the gateway serves: how many connected workers can run it now. Read at
 * scrape time, like the scheduler's gauges, so it costs nothing between scrapes.
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
}
