import type { ModelId } from '../messages'
import { MODEL_ID_PATTERN } from './modelLimits.ts'

/** True for a well-formed model id: 0x and 64 lowercase hex digits. */
export function isModelId(value: unknown): value is ModelId {
  return typeof value === 'string' && MODEL_ID_PATTERN.test(value)
}
