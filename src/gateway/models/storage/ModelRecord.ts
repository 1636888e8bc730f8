import type {
  ComparisonPolicy,
  ModelAsset,
  ModelSource,
  ModelTask,
} from '../../../protocol/models/ModelManifest.ts'

/** One row of the model list: what the registry keeps between starts. */
export type ModelRecord = {
  id: `0x${string}`
  name: string
  task: ModelTask
  description: string
  size: number
  /** Built-in models come from npm packages and are re-read at every start. */
  origin: 'builtin' | 'operator'
  /** Built-in: the path inside its package. Operator: the file name in <dataDir>/models. */
  file: string
  source: ModelSource
  comparison: Record<string, ComparisonPolicy>
  assets?: Record<string, ModelAsset> | undefined
  addedAt: string
}
