import { BaseError } from './BaseError.ts'
import type { ErrorCodeOf } from './codes.ts'

export type EngineErrorCode = ErrorCodeOf<'EngineError'>

export type EngineErrorType = EngineError & { name: 'EngineError' }

/**
 * The browser inference engine could not do what it was asked: a backend is missing or failed its
 * self-test, a model is not loaded, a run's inputs do not match the manifest, the run failed, was
 * aborted, or the engine's Web Worker crashed. Thrown inside the worker and rebuilt with its code
 * and details on the page's side of the boundary.
 */
export class EngineError extends BaseError<EngineErrorCode> {
  override name = 'EngineError' as const
}
