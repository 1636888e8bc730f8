import type { Registry } from 'prom-client'
import type { LimitName } from '../../../src/gateway/limits/LimitName.ts'

/** `inference_grid_limit_rejections_total{limit}` as the gateway's registry holds it now. */
export async function readLimitRejections(registry: Registry, limit: LimitName): Promise<number> {
  const metric = await registry.getSingleMetric('inference_grid_limit_rejections_total')?.get()
  return metric?.values.find((v) => v.labels.limit === limit)?.value ?? 0
}
