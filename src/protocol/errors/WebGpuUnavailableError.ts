import { BaseError } from './BaseError.ts'
import type { ErrorCodeOf } from './codes.ts'

export type WebGpuUnavailableErrorCode = ErrorCodeOf<'WebGpuUnavailableError'>

export type WebGpuUnavailableErrorType = WebGpuUnavailableError & { name: 'WebGpuUnavailableError' }

/**
 * WebGPU was asked for explicitly and this browser has no usable adapter. A class of its own
 * because the contributor can act on it (another browser, enabling WebGPU, updating drivers) and
 * the UI says so, as web-llm does; the engine itself falls back to WASM when nobody insists on
 * WebGPU. `details.reason` says what the platform answered.
 */
export class WebGpuUnavailableError extends BaseError<WebGpuUnavailableErrorCode> {
  override name = 'WebGpuUnavailableError' as const
}
