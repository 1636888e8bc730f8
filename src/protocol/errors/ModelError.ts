import { BaseError } from './BaseError.ts'
import type { ErrorCodeOf } from './codes.ts'

/** Every code of the model family: the plain ModelError's and its subclasses'. */
export type ModelErrorCode = ErrorCodeOf<
  'ModelError' | 'ModelIntegrityError' | 'ModelManifestError' | 'ModelDownloadCapError'
>

export type ModelErrorType = ModelError & { name: 'ModelError' }

/**
 * A model cannot be found, fetched, stored, loaded or accepted. The subclasses name the failures a
 * caller acts on differently (bytes that fail their hash, a bad manifest, the contributor's cap);
 * `instanceof ModelError` catches the whole family.
 */
export class ModelError<code extends ModelErrorCode = ModelErrorCode> extends BaseError<code> {
  override name: string = 'ModelError'
}
