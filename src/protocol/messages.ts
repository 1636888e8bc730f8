import type { Address, Hex } from 'viem'
import type { SignedDelegation } from './eip712/delegationTypes'
import type { SessionKeyType } from './eip712/sessionKeyTypes'
import type { ErrorCode } from './errors/codes'
import type { SerializedError } from './errors/serializeError'
import type { TensorMap } from './tensor/Tensor'

/**
 * The work protocol, defined once for both ends: a worker (browser tab) opens one long-lived
 * stream to a gateway and the two exchange these messages. Every message carries the protocol
 * version `v`; a peer rejects versions it does not speak. See codec/messageSchemas.ts for the
 * wire form of each field and the limits the decoder enforces.
 *
 *   worker -> gateway: hello, slots, result, error, heartbeat
 *   gateway -> worker: assign, ack, credit, error, heartbeat
 */
export const PROTOCOL_VERSION = 1

export type ProtocolVersion = typeof PROTOCOL_VERSION

/** Where a worker runs a model: onnxruntime-web execution providers. */
export const BACKENDS = ['webgpu', 'wasm', 'webnn'] as const
export type Backend = (typeof BACKENDS)[number]

/** Ids of models are content addresses: sha256 of the model bytes, 0x-prefixed. */
export type ModelId = Hex

export type SelfTestResult = {
  modelId: ModelId
  /** Whether the backend reproduced the model's known-answer test. */
  passed: boolean
}

export type BackendReport = {
  backend: Backend
  selfTests: SelfTestResult[]
}

export type SessionPublicKey = {
  /** Raw public key bytes as hex (see sessionKeyTypes). */
  publicKey: Hex
  keyType: SessionKeyType
}

/** Worker -> gateway, first message on a stream. */
export type HelloMessage = {
  v: ProtocolVersion
  type: 'hello'
  clientVersion: string
  backends: BackendReport[]
  /** Models already in the worker's cache, so the scheduler can prefer warm workers. */
  cachedModels: ModelId[]
  /** Job slots free right now. */
  slots: number
  /** The key that signs this session's results. */
  sessionKey: SessionPublicKey
  /** Absent for anonymous contributors; when present its key must equal `sessionKey`. */
  delegation?: SignedDelegation
  /** The partner whose widget brought this tab, credited a share. */
  partner?: Address
}

/**
 * Worker -> gateway: the worker's slot count changed (0 pauses it). Counted like hello's `slots`,
 * as if it held no job: the gateway leases it new jobs while it holds fewer than `free`. Absolute
 * rather than relative to the jobs held, so assignments still in flight cannot make it wrong, and
 * a pause holds even while held jobs finish.
 */
export type SlotsMessage = {
  v: ProtocolVersion
  type: 'slots'
  free: number
}

/** Gateway -> worker: run this job before the lease deadline. */
export type AssignMessage = {
  v: ProtocolVersion
  type: 'assign'
  jobId: string
  modelId: ModelId
  inputs: TensorMap
  outputNames: string[]
  /** Lease end, milliseconds since the UNIX epoch. */
  leaseDeadline: number
  /** 1 for the first lease of the job, then 2, 3, ... on requeues. */
  attempt: number
}

/** Durations in milliseconds (fractions allowed, as performance.now() gives them). */
export type ResultTimings = {
  /** Time the job waited on the worker before inference started. */
  queueMs?: number
  inferenceMs: number
  /** From receipt of the assignment to the result being ready. */
  totalMs: number
}

/** Worker -> gateway: a job's outputs, signed by the session key (see resultTypes). */
export type ResultMessage = {
  v: ProtocolVersion
  type: 'result'
  jobId: string
  outputs: TensorMap
  inputHash: Hex
  outputHash: Hex
  backend: Backend
  timings: ResultTimings
  /** 64-byte session-key signature over the EIP-712 Result digest. */
  signature: Hex
}

/** Either direction: a typed failure, about one job or (without jobId) the whole stream. */
export type ErrorMessage = {
  v: ProtocolVersion
  type: 'error'
  jobId?: string
  error: SerializedError
}

/** Gateway -> worker: whether a result was accepted for verification. */
export type AckMessage = {
  v: ProtocolVersion
  type: 'ack'
  jobId: string
  accepted: boolean
  /** Why it was not accepted. A string: the peer may know codes this version does not. */
  code?: ErrorCode | (string & {})
}

export const CREDIT_STATUSES = ['pending', 'verified', 'rejected'] as const
export type CreditStatus = (typeof CREDIT_STATUSES)[number]

/**
 * Gateway -> worker: what a result earned. `amount` is integer micro-credits as a bigint: exact
 * (no float rounding), typed so it cannot be mixed with a number by accident, and a native CBOR
 * unsigned integer on the wire (no parsing of decimal strings with signs, leading zeros or
 * exponents). JSON edges (HTTP, dashboard) turn it into a decimal string.
 */
export type CreditMessage = {
  v: ProtocolVersion
  type: 'credit'
  jobId: string
  amount: bigint
  status: CreditStatus
}

/** Either direction: liveness. `sentAt` in milliseconds since the UNIX epoch. */
export type HeartbeatMessage = {
  v: ProtocolVersion
  type: 'heartbeat'
  seq: number
  sentAt: number
}

export type Message =
  | HelloMessage
  | SlotsMessage
  | AssignMessage
  | ResultMessage
  | ErrorMessage
  | AckMessage
  | CreditMessage
  | HeartbeatMessage

export type MessageType = Message['type']

export type MessageOf<type extends MessageType> = Extract<Message, { type: type }>
