import type { Address, Hex } from 'viem'
import type { Backend, ModelId } from '../../protocol/messages.ts'
import type { PriceSplit } from './splitPrice.ts'

export type VerdictDecision = 'valid' | 'invalid' | 'unchecked'
/** redundancy: majority of replicas; spot-check: gateway re-run; sampling: not sampled, accepted
 *  on trust (credit held back); standing: the identity was suspended. */
export type VerdictMethod = 'redundancy' | 'spot-check' | 'sampling' | 'standing'
export type JobVerification = 'unchecked' | 'spot-checked' | 'redundant' | 'failed'

export type VerificationResult = {
  leaseId: number
  sessionId: string
  identity: string
  wallet: Address | undefined
  partner: Address | undefined
  backend: Backend
  /** Canonical tensor-map bytes. */
  outputs: Uint8Array
  signature: Hex
  verdict: VerdictDecision | undefined
  /** The re-run after its identity was suspended (results accepted unchecked only). */
  recheck: 'valid' | 'invalid' | undefined
}

export type VerificationJob = {
  id: string
  modelId: ModelId
  inputs: Uint8Array
  outputNames: string[]
  state: string
  redundancy: number
  requestedRedundancy: number
  price: bigint
  verifiedAt: number | undefined
  /** A spot-check was queued for it before (it runs again after a restart). */
  spotCheckQueued: boolean
  results: VerificationResult[]
}

export type NewVerdict = {
  leaseId: number
  decision: VerdictDecision
  method: VerdictMethod
  detail: string
}

export type Standing = {
  identity: string
  wallet: Address | undefined
  /** Results since the last invalid one: checked valid or accepted unchecked. */
  validStreak: number
  valid: number
  invalid: number
  unchecked: number
  suspendedAt: number | undefined
  suspendReason: string | undefined
}

export type RecordVerdictsParameters = {
  jobId: string
  verdicts: readonly NewVerdict[]
  /** Set when the job's verification is final (verified_at is written). */
  final?: JobVerification | undefined
  split: PriceSplit
  /** Invalid results that suspend an identity. */
  suspendAfterInvalid: number
  /** Microseconds the spot-check re-run took, when one ran. */
  spotCheckRunUs?: number | undefined
  now: number
}

export type RecordVerdictsReturnType = {
  /** Identities this decision suspended. */
  suspended: { identity: string; reason: string }[]
  /** Ledger entries written (reversals included). */
  entries: number
  /** False when another decision got there first (nothing was written). */
  recorded: boolean
}

/**
 * The verifier's durable state: verdicts, spot-checks, standing and the ledger entries they write.
 * `recordVerdicts` is one transaction: the verdicts, the ledger entries they earn, the standing
 * they change (and a suspension with the reversal of the identity's pending credit), and the
 * job's final verification level. Either all of it is written or none, and a verdict exists at
 * most once per result, so a crash at any point neither loses nor duplicates an entry.
 */
export type VerificationStore = {
  /** Completed jobs not yet verified, oldest first (resumed at start). */
  listUnverified(): Promise<string[]>
  getJob(jobId: string): Promise<VerificationJob | undefined>
  /** Remembers that a result is being re-run (so a restart re-runs it rather than resamples). */
  queueSpotCheck(jobId: string, leaseId: number, now: number): Promise<void>
  recordVerdicts(parameters: RecordVerdictsParameters): Promise<RecordVerdictsReturnType>
  /** Ends a job's verification without credit (no majority after the extra replicas). */
  failVerification(jobId: string, now: number): Promise<void>
  getStanding(identity: string): Promise<Standing | undefined>
  listSuspended(): Promise<{ identity: string; reason: string }[]>
  /** Results of suspended identities accepted unchecked and not yet re-run. */
  listRecheckable(): Promise<{ leaseId: number; jobId: string }[]>
  /**
   * Records a re-run after a suspension, once. Invalid: every entry of the result not yet
   * reversed is reversed (a correction) and the job's verification is cleared so that it can get
   * another replica. Returns false when it was recorded before.
   */
  recordRecheck(parameters: {
    leaseId: number
    jobId: string
    decision: 'valid' | 'invalid'
    detail: string
    runUs: number
    now: number
  }): Promise<boolean>
  /**
   * Moves pending credit older than `before` to verified (a reversal of the pending entry and a
   * verified entry) for results whose identity is not suspended. Returns entries released.
   */
  releaseHeldBack(before: number, now: number): Promise<number>
}
