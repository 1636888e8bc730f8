import { BaseError, type BaseErrorParameters, type ErrorDetails } from './BaseError'
import { type ErrorCode, type ErrorName, errorCodes, isErrorCode } from './codes'
import { DecodeError } from './DecodeError'
import { EncodeError } from './EncodeError'
import { EngineError } from './EngineError.ts'
import { InternalError } from './InternalError'
import { JobError } from './JobError'
import { ModelDownloadCapError } from './ModelDownloadCapError.ts'
import { ModelError } from './ModelError.ts'
import { ModelIntegrityError } from './ModelIntegrityError.ts'
import { ModelManifestError } from './ModelManifestError.ts'
import { SignatureError } from './SignatureError'
import { TensorError } from './TensorError'
import { WebGpuUnavailableError } from './WebGpuUnavailableError.ts'
import { WidgetError } from './WidgetError.ts'

type ErrorFactory = (message: string, parameters: BaseErrorParameters) => BaseError

// The codes table says which class owns each code, so `code` alone picks the class; the casts
// are sound because a code is only ever routed to the class the table names for it. Classes that
// live outside the protocol (the gateway's) are rebuilt as a BaseError that keeps the code.
const factories: Partial<Record<ErrorName, ErrorFactory>> = {
  DecodeError: (message, parameters) => new DecodeError(message, parameters as never),
  EncodeError: (message, parameters) => new EncodeError(message, parameters as never),
  TensorError: (message, parameters) => new TensorError(message, parameters as never),
  SignatureError: (message, parameters) => new SignatureError(message, parameters as never),
  JobError: (message, parameters) => new JobError(message, parameters as never),
  InternalError: (message, parameters) => new InternalError(message, parameters as never),
  EngineError: (message, parameters) => new EngineError(message, parameters as never),
  WebGpuUnavailableError: (message, parameters) =>
    new WebGpuUnavailableError(message, parameters as never),
  ModelError: (message, parameters) => new ModelError(message, parameters as never),
  ModelIntegrityError: (message, parameters) =>
    new ModelIntegrityError(message, parameters as never),
  ModelManifestError: (message, parameters) => new ModelManifestError(message, parameters as never),
  ModelDownloadCapError: (message, parameters) =>
    new ModelDownloadCapError(message, parameters as never),
  WidgetError: (message, parameters) => new WidgetError(message, parameters as never),
}

export type DeserializeErrorReturnType = BaseError

/**
 * Rebuilds an error serialized by `serializeError` as the subclass that owns its code, so
 * `instanceof` and `code` checks work on the receiving side. An unknown code (a newer peer) or a
 * malformed object becomes an InternalError that keeps what it could read in `details`.
 */
export function deserializeError(value: unknown): DeserializeErrorReturnType {
  const serialized = readSerialized(value)
  if (!serialized) {
    return new InternalError('Received a malformed serialized error.', { code: 'INTERNAL' })
  }
  const { code, message, details, name } = serialized
  if (!isErrorCode(code)) {
    return new InternalError(message, {
      code: 'INTERNAL',
      details: { ...details, remoteCode: code, remoteName: name },
    })
  }
  return buildError(code, message, details)
}

function buildError(code: ErrorCode, message: string, details: ErrorDetails): BaseError {
  const factory = factories[errorCodes[code].errorName]
  if (!factory) {
    const error = new BaseError(message, { code, details })
    error.name = errorCodes[code].errorName
    return error
  }
  return factory(message, { code, details })
}

type Serialized = { name: string; code: string; message: string; details: ErrorDetails }

function readSerialized(value: unknown): Serialized | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const { name, code, message, details } = value as Record<string, unknown>
  if (typeof code !== 'string' || typeof message !== 'string') return undefined
  return {
    name: typeof name === 'string' ? name : '',
    code,
    message,
    details: readDetails(details),
  }
}

function readDetails(value: unknown): ErrorDetails {
  if (typeof value !== 'object' || value === null) return {}
  const entries = Object.entries(value).filter(([, detail]) => isDetailValue(detail))
  return Object.fromEntries(entries)
}

function isDetailValue(value: unknown): value is ErrorDetails[string] {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  )
}
