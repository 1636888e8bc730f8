/**
 * The requester SDK: what a program uses to run inference on the grid. `createGridClient` talks
 * to one gateway's HTTP API (models, manifests, jobs, long-poll, cancel, model assets) with
 * tensors as typed arrays and failures as typed errors carrying the grid's codes; `runOcr`
 * reads text from an image with PP-OCR det and rec jobs. It needs only fetch and WebCrypto, so
 * it runs unchanged in browsers and Node; the CLI on top of it (`cli/`, Node only) is
 * `npm run grid`. It imports only src/protocol (and cborg); nothing in the grid imports it.
 */

export {
  type CallOptions,
  type CreateGridClientReturnType,
  createGridClient,
  type GridClient,
  type GridClientParameters,
  type WaitOptions,
} from './createGridClient.ts'
export { type ErrorFromResponseParameters, errorFromResponse } from './errorFromResponse.ts'
export {
  type GridJob,
  type GridJobRequest,
  type GridJobStatus,
  type GridResult,
  type ModelSummary,
  TERMINAL_STATUSES,
  type TensorInput,
  type TypedTensor,
} from './GridJob.ts'
export { type DecodeCtcParameters, type DecodeCtcReturnType, decodeCtc } from './ocr/decodeCtc.ts'
export {
  type FindTextBoxesParameters,
  findTextBoxes,
  type TextBox,
} from './ocr/findTextBoxes.ts'
export {
  type ImageNormalization,
  type ImageToTensorParameters,
  imagenetNormalization,
  imageToTensor,
  symmetricNormalization,
} from './ocr/imageToTensor.ts'
export { OcrError, type OcrErrorCode, type OcrErrorType } from './ocr/OcrError.ts'
export type { OcrBox, OcrImage } from './ocr/OcrImage.ts'
export { parseDictionary } from './ocr/parseDictionary.ts'
export {
  type PrepareDetInputOptions,
  type PrepareDetInputReturnType,
  prepareDetInput,
} from './ocr/prepareDetInput.ts'
export { type PrepareRecInputOptions, prepareRecInput } from './ocr/prepareRecInput.ts'
export {
  type OcrLine,
  type RunOcrOptions,
  type RunOcrReturnType,
  runOcr,
} from './ocr/runOcr.ts'
export { sortBoxes } from './ocr/sortBoxes.ts'
export { type SplitIntoBatchesOptions, splitIntoBatches } from './ocr/splitIntoBatches.ts'
export { parseTensorJson } from './parseTensorJson.ts'
export { jobError, readJobOutputs } from './readJobOutputs.ts'
export { SdkError, type SdkErrorCode, type SdkErrorType } from './SdkError.ts'
export { toTensor } from './toTensor.ts'
