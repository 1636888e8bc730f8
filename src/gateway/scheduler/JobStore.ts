import type { Address, Hex } from 'viem'
import type { SessionKeyType } from '../../protocol/eip712/sessionKeyTypes.ts'
import type { Backend, ModelId } from '../../protocol/messages.ts'

/**
 * Job states. `queued`: needs more leases (active leases + results < redundancy). `leased`: every
 * replica is leased or answered, some still out. `completed`: `redundancy` results accepted.
 * `failed`: attempts exhausted. `cancelled`: by its requester. The last three are terminal.
 */
export const JOB_STATES = ['queued', 'leased', 'completed', 'failed', 'cancelled'] as const
export type JobState = (typeof JOB_STATES)[number]

export const TERMINAL_JOB_STATES: readonly JobState[] = ['completed', 'failed', 'cancelled']

/** How a lease ended: with a result, or the reason it did not. */
export type LeaseEndState = 'completed' | 'expired' | 'failed' | 'released' | 'cancelled'

export type NewJob = {
  id: string
  /** Who submitted it: an API key id (fairness and quotas are per requester). */
  requester: string
  modelId: ModelId
  /** Canonical tensor-map bytes (src/protocol/hash/encodeTensorMapCanonical.ts). */
  inputs: Uint8Array
  /** sha256 of `inputs`, 0x hex: the inputHash a worker must sign. */
  inputHash: Hex
  outputNames: string[]
  /** Named axis sizes the inputs fix, which outputs are held to. */
  axes: Record<string, number>
  /** Higher runs first among the same requester's jobs. */
  priority: number
  /** Distinct wallets (or anonymous peers) that must each return a result. */
  redundancy: number
  /** Failed attempts allowed before the job fails. */
  maxAttempts: number
  /** Micro-credits each verified result earns (split by the ledger); absent: 0. */
  price?: bigint | undefined
  createdAt: number
}

/** A job waiting for (more) leases, as the scheduler keeps it in memory. */
export type QueuedJobRow = {
  id: string
  seq: number
  requester: string
  modelId: ModelId
  priority: number
  redundancy: number
  activeLeases: number
  results: number
  /** Worker identities that already answered (a replica must go to someone else). */
  answeredBy: string[]
}

export type WorkerRef = {
  sessionId: string
  peerId: string
  /** The wallet address, or `peer:<peerId>` for an anonymous worker. */
  identity: string
  wallet?: Address | undefined
}

export type CreatedLease = {
  leaseId: number
  jobId: string
  attempt: number
  modelId: ModelId
  inputs: Uint8Array
  inputHash: Hex
  outputNames: string[]
  axes: Record<string, number>
  requester: string
  redundancy: number
  jobCreatedAt: number
  leasedAt: number
  deadline: number
  /** State of the job after this lease: still `queued` when more replicas are needed. */
  jobState: JobState
}

/** A worker's session as the ledger will need it: who signed, under which delegation. */
export type WorkerSessionRecord = {
  sessionId: string
  peerId: string
  wallet?: Address | undefined
  partner?: Address | undefined
  sessionKey: Hex
  keyType: SessionKeyType
  /** The signed delegation as JSON (absent for anonymous workers). */
  delegation?: string | undefined
  clientVersion: string
  connectedAt: number
}

export type AcceptedResult = {
  leaseId: number
  jobId: string
  worker: WorkerRef
  partner?: Address | undefined
  sessionKey: Hex
  keyType: SessionKeyType
  backend: Backend
  /** Canonical tensor-map bytes of the outputs. */
  outputs: Uint8Array
  outputHash: Hex
  signature: Hex
  inferenceUs: number
  totalUs: number
  queueUs?: number | undefined
  receivedAt: number
}

export type CompleteLeaseReturnType =
  | { ok: true; jobState: JobState; results: number }
  | { ok: false; reason: 'not-active' | 'expired' }

export type EndLeaseParameters = {
  leaseId: number
  state: Exclude<LeaseEndState, 'completed'>
  /** Error code saying why (JOB_LEASE_EXPIRED, WORK_WORKER_DISCONNECTED, JOB_INFERENCE_FAILED...). */
  code: string
  /** Whether this counts toward the job's maxAttempts (a gateway restart does not). */
  countsAsFailure: boolean
  now: number
}

export type EndLeaseReturnType =
  | undefined
  | {
      jobId: string
      jobState: JobState
      /** Leases of the job cut short because it failed (their workers should drop them). */
      cancelledLeaseIds: number[]
    }

export type CancelJobReturnType =
  | { outcome: 'cancelled'; cancelledLeaseIds: number[] }
  | { outcome: 'not-found' }
  | { outcome: 'not-cancellable'; state: JobState }

export type JobRow = {
  id: string
  seq: number
  requester: string
  modelId: ModelId
  inputHash: Hex
  outputNames: string[]
  priority: number
  redundancy: number
  maxAttempts: number
  state: JobState
  activeLeases: number
  results: number
  leasesIssued: number
  failures: number
  failureCode: string | undefined
  failureMessage: string | undefined
  createdAt: number
  finishedAt: number | undefined
  /** Micro-credits per verified result. */
  price: bigint
  /** The redundancy the requester asked for (`redundancy` grows when verification adds one). */
  requestedRedundancy: number
  /** Verification level reached; undefined until the verifier decided. */
  verification: 'unchecked' | 'spot-checked' | 'redundant' | 'failed' | undefined
  verifiedAt: number | undefined
}

export type ResultRow = {
  leaseId: number
  jobId: string
  workerPeer: string
  wallet: Address | undefined
  backend: Backend
  outputs: Uint8Array
  outputHash: Hex
  signature: Hex
  sessionKey: Hex
  inferenceUs: number
  totalUs: number
  receivedAt: number
  /** The verifier's decision on this result; undefined while it is being verified. */
  verdict:
    | {
        decision: 'valid' | 'invalid' | 'unchecked'
        method: 'redundancy' | 'spot-check' | 'sampling' | 'standing'
        detail: string
        decidedAt: number
      }
    | undefined
  /** The re-run after its identity was suspended (results accepted unchecked only). */
  recheck: { decision: 'valid' | 'invalid'; detail: string; decidedAt: number } | undefined
}

export type JobCounts = Record<'queued' | 'leased', number>

export type QuotaCheck = {
  requester: string
  /** UTC day, YYYY-MM-DD. */
  day: string
  /** Jobs allowed per day. */
  limit: number
}

export type InsertJobsReturnType =
  | { ok: true /** Submission order of each job, as inserted. */; seqs: number[] }
  | { ok: false; used: number; limit: number }

/**
 * Durable job state: the queue, leases and results. Every method is one transaction, and each
 * state change is guarded by the state it expects, so a result completes a job at most once
 * whatever the interleaving (see createSqliteJobStore). Async so that a PostgreSQL store can
 * implement it; the SQLite one answers synchronously inside.
 */
export type JobStore = {
  /** Inserts jobs atomically; with `quota`, only if the requester's day stays within it. */
  insertJobs(jobs: readonly NewJob[], quota?: QuotaCheck): Promise<InsertJobsReturnType>
  /** Jobs that need leases, in submission order (after `releaseActiveLeases` at start). */
  loadQueued(): Promise<QueuedJobRow[]>
  /** Leases one replica of a queued job; undefined when the job no longer needs one. */
  createLease(
    jobId: string,
    worker: WorkerRef,
    now: number,
    leaseMs: number,
  ): Promise<CreatedLease | undefined>
  /** Records an accepted result and completes the lease, if it is still active and in time. */
  completeLease(result: AcceptedResult): Promise<CompleteLeaseReturnType>
  /** Ends an active lease without a result; the job is requeued or, out of attempts, failed. */
  endLease(parameters: EndLeaseParameters): Promise<EndLeaseReturnType>
  cancelJob(jobId: string, requester: string, now: number): Promise<CancelJobReturnType>
  /**
   * Verification needs one more replica (a tie, or a single result found invalid): a completed
   * job asks for redundancy + 1 and is queued again. Undefined when the job is not completed.
   */
  addReplica(jobId: string, now: number): Promise<QueuedJobRow | undefined>
  /** Ends every active lease as `released` (not a failure): at start and at a graceful stop. */
  releaseActiveLeases(now: number, code: string): Promise<number>
  recordSession(session: WorkerSessionRecord): Promise<void>
  endSession(sessionId: string, now: number, code: string | undefined): Promise<void>
  getJob(jobId: string): Promise<JobRow | undefined>
  getResults(jobId: string): Promise<ResultRow[]>
  counts(): Promise<JobCounts>
  /**
   * Deletes finished (completed, failed or cancelled) jobs of `requester` with their inputs,
   * leases and results; open jobs and other requesters' jobs are left alone. For disposable jobs
   * (the demo requester's), whose outputs would otherwise fill the disk. Returns how many went.
   */
  deleteFinishedJobs(jobIds: readonly string[], requester: string): Promise<number>
}
