import { ModelError } from './ModelError.ts'

export type ModelIntegrityErrorType = ModelIntegrityError & { name: 'ModelIntegrityError' }

/**
 * Bytes that claim to be a model do not hash to its id (or have another length). They are
 * discarded and never cached: the source (gateway, proxy, disk) served something else.
 */
export class ModelIntegrityError extends ModelError<'MODEL_INTEGRITY'> {
  override name = 'ModelIntegrityError' as const
}
