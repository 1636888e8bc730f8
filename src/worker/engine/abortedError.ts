import { EngineError } from '../../protocol/errors/EngineError.ts'

/** The ENGINE_ABORTED error a call rejects with when its signal aborts. */
export function abortedError(call: string, details: { running?: boolean } = {}): EngineError {
  return new EngineError('The call was aborted.', {
    code: 'ENGINE_ABORTED',
    details: { call, ...details },
  })
}
