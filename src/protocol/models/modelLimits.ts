/**
 * Bounds on model manifests, shared by the gateway that writes them and every reader that parses
 * them (browser store, engine, verifier), so a manifest one side accepts the other accepts too.
 */

/** A model id: 0x and the lowercase hex sha256 of the ONNX file. */
export const MODEL_ID_PATTERN = /^0x[0-9a-f]{64}$/
/** Model and asset names: lowercase slugs such as 'silero-vad-v5' (safe in URLs and file names). */
export const MODEL_NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/
/** Dynamic axis names: identifiers such as 'batch', 'width' or ONNX's 'p2o.DynamicDimension.0'. */
export const AXIS_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/
/** Largest model file: ONNX's protobuf limit, also about what a browser can hold in one buffer. */
export const MAX_MODEL_BYTES = 2 ** 31 - 1
/** Largest fixed dimension in a tensor spec. */
export const MAX_SPEC_DIM = 2 ** 31 - 1
export const MAX_DESCRIPTION_LENGTH = 1000
/** Known-answer inputs plus outputs, in raw bytes: the manifest carries them as base64. */
export const MAX_KNOWN_ANSWER_BYTES = 16 * 1024 * 1024
export const MAX_ASSETS = 16
export const MAX_ASSET_BYTES = 64 * 1024 * 1024
export const MAX_SHORT_TEXT_LENGTH = 256
