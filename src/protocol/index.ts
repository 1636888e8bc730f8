/**
 * The protocol module: everything the browser worker, the wallet code and the gateway must agree
 * on, defined once and imported by all of them. It holds the work-protocol messages and their
 * CBOR codec (which validates every field at the boundary), tensors with their canonical byte
 * layout and hash, the EIP-712 delegation and result types with signing and verification, and
 * the typed errors whose codes travel over the wire. It is pure: it runs unchanged in Chromium
 * and Node 20, and imports nothing but cborg and viem.
 */

export {
  type DecodeMessageErrorType,
  type DecodeMessageOptions,
  decodeMessage,
} from './codec/decodeMessage'
export {
  type EncodeMessageErrorType,
  type EncodeMessageOptions,
  encodeMessage,
} from './codec/encodeMessage'
export { type MessageBody, messageSchemas } from './codec/messageSchemas'
export {
  type CreateGridDomainParameters,
  createGridDomain,
  GRID_DOMAIN_NAME,
  GRID_DOMAIN_VERSION,
  type GridDomain,
} from './eip712/createGridDomain'
export { type Delegation, delegationTypes, type SignedDelegation } from './eip712/delegationTypes'
export {
  type GenerateSessionKeyErrorType,
  type GenerateSessionKeyOptions,
  type GenerateSessionKeyReturnType,
  generateSessionKey,
} from './eip712/generateSessionKey'
export {
  type GetDelegationTypedDataOptions,
  type GetDelegationTypedDataReturnType,
  getDelegationTypedData,
} from './eip712/getDelegationTypedData'
export { type HashResultReturnType, hashResult } from './eip712/hashResult'
export {
  type ImportSessionPublicKeyErrorType,
  importSessionPublicKey,
} from './eip712/importSessionPublicKey'
export {
  type ResultClaimFromMessageParameters,
  type ResultClaimSource,
  resultClaimFromMessage,
  toMicroseconds,
} from './eip712/resultClaimFromMessage'
export { type ResultClaim, resultTypes } from './eip712/resultTypes'
export {
  isSessionKeyType,
  SESSION_KEY_TYPES,
  SESSION_SIGNATURE_BYTES,
  type SessionKeyType,
  sessionKeyTypes,
} from './eip712/sessionKeyTypes'
export {
  type SignResultErrorType,
  type SignResultReturnType,
  signResult,
} from './eip712/signResult'
export {
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_DELEGATION_LIFETIME_SECONDS,
  type VerifyDelegationErrorType,
  type VerifyDelegationParameters,
  type VerifyDelegationReturnType,
  verifyDelegation,
} from './eip712/verifyDelegation'
export {
  type VerifyResultSignatureErrorType,
  type VerifyResultSignatureParameters,
  type VerifyResultSignatureReturnType,
  verifyResultSignature,
} from './eip712/verifyResultSignature'
export {
  BaseError,
  type BaseErrorParameters,
  type BaseErrorType,
  type ErrorDetails,
} from './errors/BaseError'
export {
  type ErrorCode,
  type ErrorCodeInfo,
  type ErrorCodeOf,
  type ErrorName,
  errorCodes,
  isErrorCode,
} from './errors/codes'
export { DecodeError, type DecodeErrorCode, type DecodeErrorType } from './errors/DecodeError'
export { deserializeError } from './errors/deserializeError'
export { EncodeError, type EncodeErrorCode, type EncodeErrorType } from './errors/EncodeError'
export { EngineError, type EngineErrorCode, type EngineErrorType } from './errors/EngineError.ts'
export {
  InternalError,
  type InternalErrorCode,
  type InternalErrorType,
} from './errors/InternalError'
export { JobError, type JobErrorCode, type JobErrorType } from './errors/JobError'
export {
  ModelDownloadCapError,
  type ModelDownloadCapErrorType,
} from './errors/ModelDownloadCapError.ts'
export { ModelError, type ModelErrorCode, type ModelErrorType } from './errors/ModelError.ts'
export { ModelIntegrityError, type ModelIntegrityErrorType } from './errors/ModelIntegrityError.ts'
export { ModelManifestError, type ModelManifestErrorType } from './errors/ModelManifestError.ts'
export {
  SignatureError,
  type SignatureErrorCode,
  type SignatureErrorType,
} from './errors/SignatureError'
export { type SerializedError, serializeError } from './errors/serializeError'
export { TensorError, type TensorErrorCode, type TensorErrorType } from './errors/TensorError'
export {
  WebGpuUnavailableError,
  type WebGpuUnavailableErrorCode,
  type WebGpuUnavailableErrorType,
} from './errors/WebGpuUnavailableError.ts'
export {
  encodeTensorMapCanonical,
  TENSOR_MAP_LAYOUT_VERSION,
} from './hash/encodeTensorMapCanonical'
export { hashTensorMap } from './hash/hashTensorMap'
export { sha256Hex } from './hash/sha256Hex'
export * from './limits'
export {
  type AckMessage,
  type AssignMessage,
  BACKENDS,
  type Backend,
  type BackendReport,
  CREDIT_STATUSES,
  type CreditMessage,
  type CreditStatus,
  type ErrorMessage,
  type HeartbeatMessage,
  type HelloMessage,
  type Message,
  type MessageOf,
  type MessageType,
  type ModelId,
  PROTOCOL_VERSION,
  type ProtocolVersion,
  type ResultMessage,
  type ResultTimings,
  type SelfTestResult,
  type SessionPublicKey,
  type SlotsMessage,
} from './messages'
export {
  type CompareMetric,
  type CompareOutputsReturnType,
  compareOutputs,
} from './models/compareOutputs.ts'
export { isModelId } from './models/isModelId.ts'
export type {
  ComparisonPolicy,
  KnownAnswerTest,
  ModelAsset,
  ModelManifest,
  ModelSource,
  ModelTask,
  TensorSpec,
} from './models/ModelManifest.ts'
export type { ModelManifestJson, TensorJson } from './models/ModelManifestJson.ts'
export { manifestToJson } from './models/manifestToJson.ts'
export * from './models/modelLimits.ts'
export { isModelTask, MODEL_TASKS } from './models/modelTasks.ts'
export { type ParseManifestErrorType, parseManifest } from './models/parseManifest.ts'
export { type DType, dtypeFromCode, dtypes, isDType } from './tensor/dtypes'
export type { Tensor, TensorMap } from './tensor/Tensor'
export {
  type TensorFromTypedArrayParameters,
  tensorFromTypedArray,
} from './tensor/tensorFromTypedArray'
export { tensorToTypedArray } from './tensor/tensorToTypedArray'
export type { TypedArray, TypedArrayFor } from './tensor/typedArrays'
export {
  expectedByteLength,
  type ValidateTensorOptions,
  validateTensor,
} from './tensor/validateTensor'
export { type ValidateTensorMapOptions, validateTensorMap } from './tensor/validateTensorMap'
export { base64ToBytes } from './utils/base64ToBytes.ts'
export { bytesToBase64 } from './utils/bytesToBase64.ts'
export type { WebCryptoKey, WebCryptoKeyPair } from './utils/WebCryptoKey'
export { WORK_PROTOCOL_ID, workProtocolId } from './workProtocolId'
