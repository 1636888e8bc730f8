import type { ModelTask } from './ModelManifest.ts'

/** Every ModelTask, for validation at the boundary (the type check below keeps it complete). */
export const MODEL_TASKS = [
  'vad',
  'ocr-det',
  'ocr-rec',
  'ocr-cls',
  'custom',
] as const satisfies readonly ModelTask[]

// Fails to compile when ModelTask gains a member that MODEL_TASKS lacks.
const complete: Record<Exclude<ModelTask, (typeof MODEL_TASKS)[number]>, never> = {}
void complete

export function isModelTask(value: unknown): value is ModelTask {
  return typeof value === 'string' && (MODEL_TASKS as readonly string[]).includes(value)
}
