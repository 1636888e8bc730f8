import type { SerializedError } from '../../../protocol/errors/serializeError.ts'
import type { InspectModelParameters, InspectModelReturnType } from './inspectModel.ts'

/** From the gateway's main thread to its ONNX worker thread. */
export type OnnxWorkerRequest = { kind: 'inspect'; id: number; parameters: InspectModelParameters }

/** From the ONNX worker thread back: the result, or the error with its code and details. */
export type OnnxWorkerResponse =
  | { kind: 'result'; id: number; result: InspectModelReturnType }
  | { kind: 'error'; id: number; error: SerializedError }
