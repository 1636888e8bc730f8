import type { SerializedError } from '../../../protocol/errors/serializeError.ts'
import type { InspectModelParameters, InspectModelReturnType } from './inspectModel.ts'
import type { RunModelParameters, RunModelReturnType } from './runModel.ts'

/** From the gateway's main thread to its ONNX worker thread. */
export type OnnxWorkerRequest =
  | { kind: 'inspect'; id: number; parameters: InspectModelParameters }
  | { kind: 'run'; id: number; parameters: RunModelParameters }

/** From the ONNX worker thread back: the result, or the error with its code and details. */
export type OnnxWorkerResponse =
  | { kind: 'result'; id: number; result: InspectModelReturnType | RunModelReturnType }
  | { kind: 'error'; id: number; error: SerializedError }
