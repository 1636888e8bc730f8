import { type Hex, hexToBytes } from 'viem'
import type { Delegation, SignedDelegation } from '../eip712/delegationTypes'
import {
  isRawPublicKeyShape,
  SESSION_KEY_TYPES,
  SESSION_SIGNATURE_BYTES,
} from '../eip712/sessionKeyTypes'
import {
  MAX_ERROR_DETAIL_KEY_LENGTH,
  MAX_ERROR_DETAIL_STRING_LENGTH,
  MAX_ERROR_DETAILS,
  MAX_ERROR_MESSAGE_LENGTH,
  type SerializedError,
} from '../errors/serializeError'
import {
  JOB_ID_PATTERN,
  MAX_ATTEMPT,
  MAX_BACKENDS,
  MAX_CLIENT_VERSION_LENGTH,
  MAX_CREDIT_AMOUNT,
  MAX_MODELS,
  MAX_ORIGIN_LENGTH,
  MAX_SLOTS,
  MAX_TENSORS,
  MAX_TIMING_MS,
  MAX_WALLET_SIGNATURE_BYTES,
} from '../limits'
import {
  BACKENDS,
  type BackendReport,
  CREDIT_STATUSES,
  type MessageOf,
  type MessageType,
  type ResultTimings,
  type SelfTestResult,
  type SessionPublicKey,
} from '../messages'
import {
  address,
  bigUint,
  bool,
  details,
  type FieldCodec,
  float,
  hexBytes,
  list,
  malformed,
  oneOf,
  optional,
  required,
  struct,
  tensorMap,
  tensorName,
  text,
  uint,
} from './fieldCodecs'

/**
 * Wire form of every message body. A message on the wire is one CBOR map: `v` (protocol
 * version, uint) and `t` (type name, text) plus the body fields under the short keys below.
 * Hashes, keys, signatures and addresses are CBOR byte strings; tensors are maps
 * {t: ONNX dtype code, d: [dims], b: raw bytes}; tensor maps are maps from name to tensor.
 *
 *   hello     cv clientVersion, b backends [{n backend, st [{m modelId, ok passed}]}],
 *             cm cachedModels, s slots, k sessionKey {p publicKey, kt keyType},
 *             d? delegation {m {w wallet, k sessionKey, kt keyType, o origin, c chainId,
 *             ia issuedAt, ea expiresAt, n nonce}, sg signature}, p? partner
 *   slots     f free
 *   assign    j jobId, m modelId, i inputs, o outputNames, l leaseDeadline, a attempt
 *   result    j jobId, o outputs, ih inputHash, oh outputHash, b backend,
 *             tm timings {q? queueMs, i inferenceMs, t totalMs}, sg signature
 *   error     j? jobId, e error {n name, c code, m message, d details}
 *   ack       j jobId, ok accepted, c? code
 *   credit    j jobId, a amount (uint64 micro-credits), s status
 *   heartbeat n seq, at sentAt
 */
export type MessageBody<type extends MessageType> = Omit<MessageOf<type>, 'v' | 'type'>

const jobId = text({ max: 128, pattern: JOB_ID_PATTERN })
const hash32 = hexBytes({ min: 32, max: 32 })
const keyType = oneOf(SESSION_KEY_TYPES)
const backend = oneOf(BACKENDS)
const epochMs = uint()
const errorCode = text({ max: 64, pattern: /^[A-Z][A-Z0-9_]*$/ })
const publicKeyBytes = hexBytes({ min: 32, max: 65 })

function assertKeyShape(publicKey: string, type: SessionPublicKey['keyType'], path: string): void {
  // publicKey already passed hexBytes, so it is valid hex.
  if (!isRawPublicKeyShape(hexToBytes(publicKey as Hex), type))
    malformed(path, `not a raw ${type} public key`)
}

const sessionPublicKey = struct<SessionPublicKey>(
  { publicKey: required('p', publicKeyBytes), keyType: required('kt', keyType) },
  { refine: (value, path) => assertKeyShape(value.publicKey, value.keyType, `${path}.publicKey`) },
)

const delegation = struct<Delegation>(
  {
    wallet: required('w', address()),
    sessionKey: required('k', publicKeyBytes),
    keyType: required('kt', keyType),
    origin: required('o', text({ max: MAX_ORIGIN_LENGTH })),
    chainId: required('c', uint({ min: 1 })),
    issuedAt: required('ia', uint()),
    expiresAt: required('ea', uint()),
    nonce: required('n', hash32),
  },
  {
    refine: (value, path) => assertKeyShape(value.sessionKey, value.keyType, `${path}.sessionKey`),
  },
)

const signedDelegation = struct<SignedDelegation>({
  delegation: required('m', delegation),
  signature: required('sg', hexBytes({ min: 1, max: MAX_WALLET_SIGNATURE_BYTES })),
})

const selfTest = struct<SelfTestResult>({
  modelId: required('m', hash32),
  passed: required('ok', bool()),
})

const backendReport = struct<BackendReport>({
  backend: required('n', backend),
  selfTests: required(
    'st',
    list(selfTest, { max: MAX_MODELS, uniqueBy: (test) => test.modelId.toLowerCase() }),
  ),
})

const hello = struct<MessageBody<'hello'>>(
  {
    clientVersion: required('cv', text({ max: MAX_CLIENT_VERSION_LENGTH })),
    backends: required(
      'b',
      list(backendReport, { max: MAX_BACKENDS, uniqueBy: (report) => report.backend }),
    ),
    cachedModels: required(
      'cm',
      list(hash32, { max: MAX_MODELS, uniqueBy: (id) => id.toLowerCase() }),
    ),
    slots: required('s', uint({ max: MAX_SLOTS })),
    sessionKey: required('k', sessionPublicKey),
    delegation: optional('d', signedDelegation),
    partner: optional('p', address()),
  },
  { refine: assertDelegatesSessionKey },
)

// A delegation for some other key than the one that will sign results is useless at best.
function assertDelegatesSessionKey(value: MessageBody<'hello'>, path: string): void {
  const signed = value.delegation
  if (!signed) return
  const { sessionKey, keyType: type } = signed.delegation
  if (
    sessionKey.toLowerCase() !== value.sessionKey.publicKey.toLowerCase() ||
    type !== value.sessionKey.keyType
  ) {
    malformed(`${path}.delegation`, 'delegates a key other than sessionKey')
  }
}

const slots = struct<MessageBody<'slots'>>({ free: required('f', uint({ max: MAX_SLOTS })) })

const assign = struct<MessageBody<'assign'>>({
  jobId: required('j', jobId),
  modelId: required('m', hash32),
  inputs: required('i', tensorMap()),
  outputNames: required(
    'o',
    list(tensorName(), { min: 1, max: MAX_TENSORS, uniqueBy: (name) => name }),
  ),
  leaseDeadline: required('l', epochMs),
  attempt: required('a', uint({ min: 1, max: MAX_ATTEMPT })),
})

const duration = float({ min: 0, max: MAX_TIMING_MS })

const timings = struct<ResultTimings>({
  queueMs: optional('q', duration),
  inferenceMs: required('i', duration),
  totalMs: required('t', duration),
})

const result = struct<MessageBody<'result'>>({
  jobId: required('j', jobId),
  outputs: required('o', tensorMap()),
  inputHash: required('ih', hash32),
  outputHash: required('oh', hash32),
  backend: required('b', backend),
  timings: required('tm', timings),
  signature: required(
    'sg',
    hexBytes({ min: SESSION_SIGNATURE_BYTES, max: SESSION_SIGNATURE_BYTES }),
  ),
})

const serializedError = struct<SerializedError>({
  name: required('n', text({ max: 64 })),
  code: required('c', errorCode),
  message: required('m', text({ min: 0, max: MAX_ERROR_MESSAGE_LENGTH })),
  details: required(
    'd',
    details({
      maxEntries: MAX_ERROR_DETAILS,
      maxKeyLength: MAX_ERROR_DETAIL_KEY_LENGTH,
      maxStringLength: MAX_ERROR_DETAIL_STRING_LENGTH,
    }),
  ),
})

const error = struct<MessageBody<'error'>>({
  jobId: optional('j', jobId),
  error: required('e', serializedError),
})

const ack = struct<MessageBody<'ack'>>({
  jobId: required('j', jobId),
  accepted: required('ok', bool()),
  code: optional('c', errorCode),
})

const credit = struct<MessageBody<'credit'>>({
  jobId: required('j', jobId),
  amount: required('a', bigUint({ max: MAX_CREDIT_AMOUNT })),
  status: required('s', oneOf(CREDIT_STATUSES)),
})

const heartbeat = struct<MessageBody<'heartbeat'>>({
  seq: required('n', uint()),
  sentAt: required('at', epochMs),
})

export const messageSchemas: { [type in MessageType]: FieldCodec<MessageBody<type>> } = {
  hello,
  slots,
  assign,
  result,
  error,
  ack,
  credit,
  heartbeat,
}

export function isMessageType(value: unknown): value is MessageType {
  return typeof value === 'string' && Object.hasOwn(messageSchemas, value)
}
