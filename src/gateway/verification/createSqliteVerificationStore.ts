import type { Database } from 'better-sqlite3'
import type { Address, Hex } from 'viem'
import type { Backend, ModelId } from '../../protocol/messages.ts'
import { splitPrice } from './splitPrice.ts'
import type {
  RecordVerdictsReturnType,
  Standing,
  VerdictDecision,
  VerificationJob,
  VerificationStore,
} from './VerificationStore.ts'

export type CreateSqliteVerificationStoreReturnType = VerificationStore

type StandingRecord = {
  identity: string
  wallet: string | null
  valid_streak: number
  valid: number
  invalid: number
  unchecked: number
  suspended_at: number | null
  suspend_reason: string | null
}

const day = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/**
 * VerificationStore on the gateway's SQLite database. Ledger amounts are bound and read as
 * bigint; the schema (migration 5) refuses an UPDATE or DELETE of a ledger row, a second
 * non-reversal entry per (result, role, bucket), and a second reversal of the same entry.
 */
export function createSqliteVerificationStore(
  db: Database,
): CreateSqliteVerificationStoreReturnType {
  const selectUnverified = db.prepare<[], { id: string }>(
    `SELECT id FROM jobs WHERE state = 'completed' AND verified_at IS NULL ORDER BY seq`,
  )
  const selectJob = db.prepare<
    [string],
    {
      id: string
      seq: number
      model_id: string
      output_names: string
      state: string
      redundancy: number
      requested_redundancy: number | null
      price: bigint
      verified_at: number | null
      spot: number | null
    }
  >(`
    SELECT j.id, j.seq, j.model_id, j.output_names, j.state, j.redundancy, j.requested_redundancy,
           j.price, j.verified_at,
           (SELECT 1 FROM spot_checks s WHERE s.job_id = j.id AND s.state = 'queued') AS spot
    FROM jobs j WHERE j.id = ?`)
  selectJob.safeIntegers(true)
  const selectInputs = db.prepare<[number], { inputs: Uint8Array }>(
    'SELECT inputs FROM job_inputs WHERE seq = ?',
  )
  const selectResults = db.prepare<
    [string],
    {
      lease_id: number
      session_id: string
      worker_identity: string
      wallet: string | null
      partner: string | null
      backend: string
      outputs: Uint8Array
      signature: string
      decision: VerdictDecision | null
      recheck: 'valid' | 'invalid' | null
    }
  >(`
    SELECT r.lease_id, r.session_id, r.worker_identity, r.wallet, r.partner, r.backend, r.outputs,
           r.signature, v.decision, c.decision AS recheck
    FROM job_results r LEFT JOIN result_verdicts v ON v.lease_id = r.lease_id
    LEFT JOIN result_rechecks c ON c.lease_id = r.lease_id
    WHERE r.job_id = ? ORDER BY r.received_at, r.lease_id`)
  const selectRecheckable = db.prepare<[], { lease_id: number; job_id: string }>(`
    SELECT v.lease_id, v.job_id FROM result_verdicts v
    JOIN worker_standing s ON s.identity = v.identity AND s.suspended_at IS NOT NULL
    WHERE v.decision = 'unchecked'
      AND NOT EXISTS (SELECT 1 FROM result_rechecks c WHERE c.lease_id = v.lease_id)
    ORDER BY v.lease_id`)
  const insertRecheck = db.prepare(`
    INSERT INTO result_rechecks (lease_id, job_id, decision, detail, run_us, decided_at)
    VALUES (@leaseId, @jobId, @decision, @detail, @runUs, @now) ON CONFLICT (lease_id) DO NOTHING`)
  const selectOpenEntriesOfLease = db.prepare<
    [number],
    {
      id: number
      account: string
      role: string
      bucket: string
      amount: bigint
      job_id: string
      lease_id: number
      signature: string
      decision: string
    }
  >(`
    SELECT e.id, e.account, e.role, e.bucket, e.amount, e.job_id, e.lease_id, e.signature,
           e.decision
    FROM ledger_entries e
    WHERE e.lease_id = ? AND e.reverses IS NULL
      AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses = e.id)`)
  selectOpenEntriesOfLease.safeIntegers(true)
  const clearVerification = db.prepare<[string]>(
    `UPDATE jobs SET verification = NULL, verified_at = NULL WHERE id = ? AND state = 'completed'`,
  )
  const insertSpotCheck = db.prepare<[string, number, number]>(`
    INSERT INTO spot_checks (job_id, lease_id, state, created_at) VALUES (?, ?, 'queued', ?)
    ON CONFLICT (job_id) DO UPDATE SET lease_id = excluded.lease_id, state = 'queued',
      created_at = excluded.created_at, finished_at = NULL, run_us = NULL`)
  const finishSpotCheck = db.prepare<[number, number | null, string]>(
    `UPDATE spot_checks SET state = 'done', finished_at = ?, run_us = ? WHERE job_id = ? AND state = 'queued'`,
  )
  const insertVerdict = db.prepare(`
    INSERT INTO result_verdicts (lease_id, job_id, identity, decision, method, detail, decided_at)
    SELECT lease_id, job_id, worker_identity, @decision, @method, @detail, @now
    FROM job_results WHERE lease_id = @leaseId AND job_id = @jobId
    ON CONFLICT (lease_id) DO NOTHING`)
  const selectResult = db.prepare<
    [number],
    {
      job_id: string
      worker_identity: string
      wallet: string | null
      partner: string | null
      signature: string
      price: bigint
    }
  >(`
    SELECT r.job_id, r.worker_identity, r.wallet, r.partner, r.signature, j.price
    FROM job_results r JOIN jobs j ON j.id = r.job_id WHERE r.lease_id = ?`)
  selectResult.safeIntegers(true)
  const insertEntry = db.prepare(`
    INSERT INTO ledger_entries (account, role, bucket, amount, job_id, lease_id, signature,
                                decision, reverses, reason, day, created_at)
    VALUES (@account, @role, @bucket, @amount, @jobId, @leaseId, @signature, @decision, @reverses,
            @reason, @day, @now)`)
  const selectStanding = db.prepare<[string], StandingRecord>(
    'SELECT * FROM worker_standing WHERE identity = ?',
  )
  const upsertStanding = db.prepare(`
    INSERT INTO worker_standing (identity, wallet, valid_streak, valid, invalid, unchecked,
                                 last_invalid_at, updated_at)
    VALUES (@identity, @wallet, @validInc + @uncheckedInc, @validInc, @invalidInc, @uncheckedInc,
            CASE WHEN @invalidInc > 0 THEN @now END, @now)
    ON CONFLICT (identity) DO UPDATE SET
      valid_streak = CASE WHEN @invalidInc > 0 THEN 0 ELSE valid_streak + @validInc + @uncheckedInc END,
      valid = valid + @validInc,
      invalid = invalid + @invalidInc,
      unchecked = unchecked + @uncheckedInc,
      last_invalid_at = CASE WHEN @invalidInc > 0 THEN @now ELSE last_invalid_at END,
      updated_at = @now`)
  const suspend = db.prepare<[number, string, string]>(
    'UPDATE worker_standing SET suspended_at = ?, suspend_reason = ? WHERE identity = ? AND suspended_at IS NULL',
  )
  const selectOpenPendingOf = db.prepare<
    [string],
    {
      id: number
      account: string
      role: string
      amount: bigint
      job_id: string
      lease_id: number
      signature: string
      decision: string
    }
  >(`
    SELECT e.id, e.account, e.role, e.amount, e.job_id, e.lease_id, e.signature, e.decision
    FROM ledger_entries e JOIN job_results r ON r.lease_id = e.lease_id
    WHERE r.worker_identity = ? AND e.bucket = 'pending' AND e.reverses IS NULL
      AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses = e.id)`)
  selectOpenPendingOf.safeIntegers(true)
  const finishJob = db.prepare<[string, number, string]>(
    `UPDATE jobs SET verification = ?, verified_at = ? WHERE id = ? AND verified_at IS NULL`,
  )
  const selectSuspended = db.prepare<[], { identity: string; suspend_reason: string | null }>(
    'SELECT identity, suspend_reason FROM worker_standing WHERE suspended_at IS NOT NULL',
  )
  const selectReleasable = db.prepare<
    [number],
    {
      id: number
      account: string
      role: string
      amount: bigint
      job_id: string
      lease_id: number
      signature: string
      decision: string
    }
  >(`
    SELECT e.id, e.account, e.role, e.amount, e.job_id, e.lease_id, e.signature, e.decision
    FROM ledger_entries e
    JOIN job_results r ON r.lease_id = e.lease_id
    LEFT JOIN worker_standing s ON s.identity = r.worker_identity
    WHERE e.bucket = 'pending' AND e.reverses IS NULL AND e.created_at < ?
      AND s.suspended_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM ledger_entries x WHERE x.reverses = e.id)
    LIMIT 5000`)
  selectReleasable.safeIntegers(true)

  const immediate = <A extends unknown[], R>(fn: (...args: A) => R) => {
    const tx = db.transaction(fn)
    return (...args: A): R => tx.immediate(...args)
  }

  const recordTx = immediate(
    (parameters: Parameters<VerificationStore['recordVerdicts']>[0]): RecordVerdictsReturnType => {
      const { jobId, verdicts, split, now } = parameters
      const outcome: RecordVerdictsReturnType = { suspended: [], entries: 0, recorded: false }
      for (const verdict of verdicts) {
        const inserted = insertVerdict.run({
          leaseId: verdict.leaseId,
          jobId,
          decision: verdict.decision,
          method: verdict.method,
          detail: verdict.detail.slice(0, 2000),
          now,
        })
        // Decided before (a duplicate call after a restart): this call writes nothing at all.
        if (inserted.changes !== 1) throw new AlreadyDecided()
        const result = selectResult.get(verdict.leaseId)
        if (!result) throw new Error(`Result ${verdict.leaseId} vanished.`)
        const identity = result.worker_identity
        upsertStanding.run({
          identity,
          wallet: result.wallet,
          validInc: verdict.decision === 'valid' ? 1 : 0,
          invalidInc: verdict.decision === 'invalid' ? 1 : 0,
          uncheckedInc: verdict.decision === 'unchecked' ? 1 : 0,
          now,
        })
        if (verdict.decision !== 'invalid') {
          const bucket = verdict.decision === 'valid' ? 'verified' : 'pending'
          const shares = splitPrice({
            price: BigInt(result.price),
            split,
            hasWallet: result.wallet !== null,
            hasPartner: result.partner !== null,
          })
          const accounts: [string, 'worker' | 'partner' | 'network', bigint][] = [
            [result.wallet ?? '', 'worker', shares.worker],
            [result.partner ?? '', 'partner', shares.partner],
            ['network', 'network', shares.network],
          ]
          for (const [account, role, amount] of accounts) {
            if (amount === 0n && role !== 'network') continue
            insertEntry.run({
              account,
              role,
              bucket,
              amount,
              jobId,
              leaseId: verdict.leaseId,
              signature: result.signature,
              decision: `${verdict.decision}/${verdict.method}`,
              reverses: null,
              reason:
                bucket === 'verified'
                  ? `verified result (${verdict.method})`
                  : 'accepted unchecked: held back until the holdback ends',
              day: day(now),
              now,
            })
            outcome.entries++
          }
        } else {
          const standing = selectStanding.get(identity)
          if (
            standing &&
            standing.suspended_at === null &&
            standing.invalid >= parameters.suspendAfterInvalid
          ) {
            const reason = `Suspended: ${standing.invalid} results failed verification (the last: job ${jobId}, ${verdict.detail.slice(0, 200)}). Results from this ${identity.startsWith('peer:') ? 'peer' : 'wallet'} are no longer accepted and its credit still pending was reversed; ask the gateway's operator to review.`
            suspend.run(now, reason, identity)
            outcome.suspended.push({ identity, reason })
            for (const entry of selectOpenPendingOf.all(identity)) {
              insertEntry.run({
                account: entry.account,
                role: entry.role,
                bucket: 'pending',
                amount: -BigInt(entry.amount),
                jobId: entry.job_id,
                leaseId: entry.lease_id,
                signature: entry.signature,
                decision: entry.decision,
                reverses: entry.id,
                reason: `reversed: ${identity} was suspended`,
                day: day(now),
                now,
              })
              outcome.entries++
            }
          }
        }
      }
      if (parameters.spotCheckRunUs !== undefined)
        finishSpotCheck.run(now, parameters.spotCheckRunUs, jobId)
      if (parameters.final) finishJob.run(parameters.final, now, jobId)
      outcome.recorded = true
      return outcome
    },
  )

  const recheckTx = immediate(
    (parameters: Parameters<VerificationStore['recordRecheck']>[0]): boolean => {
      const { leaseId, jobId, decision, now } = parameters
      const inserted = insertRecheck.run({
        leaseId,
        jobId,
        decision,
        detail: parameters.detail.slice(0, 2000),
        runUs: parameters.runUs,
        now,
      })
      if (inserted.changes !== 1) return false
      if (decision === 'invalid') {
        for (const entry of selectOpenEntriesOfLease.all(leaseId)) {
          insertEntry.run({
            account: entry.account,
            role: entry.role,
            bucket: entry.bucket,
            amount: -BigInt(entry.amount),
            jobId: entry.job_id,
            leaseId: entry.lease_id,
            signature: entry.signature,
            decision: entry.decision,
            reverses: entry.id,
            reason: 'correction: re-run after the suspension found the result invalid',
            day: day(now),
            now,
          })
        }
        clearVerification.run(jobId)
      }
      return true
    },
  )

  const releaseTx = immediate((before: number, now: number) => {
    let released = 0
    for (const entry of selectReleasable.all(before)) {
      const common = {
        account: entry.account,
        role: entry.role,
        jobId: entry.job_id,
        leaseId: entry.lease_id,
        signature: entry.signature,
        decision: entry.decision,
        day: day(now),
        now,
      }
      insertEntry.run({
        ...common,
        bucket: 'pending',
        amount: -BigInt(entry.amount),
        reverses: entry.id,
        reason: 'released: the holdback ended without a suspension',
      })
      insertEntry.run({
        ...common,
        bucket: 'verified',
        amount: BigInt(entry.amount),
        reverses: null,
        reason: 'released after the holdback (accepted unchecked)',
      })
      released++
    }
    return released
  })

  return {
    async listUnverified() {
      return selectUnverified.all().map((row) => row.id)
    },

    async getJob(jobId) {
      const row = selectJob.get(jobId)
      if (!row) return undefined
      const job: VerificationJob = {
        id: row.id,
        modelId: row.model_id as ModelId,
        inputs: selectInputs.get(Number(row.seq))?.inputs ?? new Uint8Array(),
        outputNames: JSON.parse(row.output_names) as string[],
        state: row.state,
        redundancy: Number(row.redundancy),
        requestedRedundancy: Number(row.requested_redundancy ?? row.redundancy),
        price: BigInt(row.price),
        verifiedAt: row.verified_at === null ? undefined : Number(row.verified_at),
        spotCheckQueued: row.spot !== null,
        results: selectResults.all(jobId).map((r) => ({
          leaseId: r.lease_id,
          sessionId: r.session_id,
          identity: r.worker_identity,
          wallet: (r.wallet ?? undefined) as Address | undefined,
          partner: (r.partner ?? undefined) as Address | undefined,
          backend: r.backend as Backend,
          outputs: r.outputs,
          signature: r.signature as Hex,
          verdict: r.decision ?? undefined,
          recheck: r.recheck ?? undefined,
        })),
      }
      return job
    },

    async queueSpotCheck(jobId, leaseId, now) {
      insertSpotCheck.run(jobId, leaseId, now)
    },

    async recordVerdicts(parameters) {
      try {
        return recordTx(parameters)
      } catch (error) {
        if (error instanceof AlreadyDecided) return { suspended: [], entries: 0, recorded: false }
        throw error
      }
    },

    async failVerification(jobId, now) {
      finishJob.run('failed', now, jobId)
    },

    async getStanding(identity) {
      const row = selectStanding.get(identity)
      return row ? toStanding(row) : undefined
    },

    async listSuspended() {
      return selectSuspended.all().map((row) => ({
        identity: row.identity,
        reason: row.suspend_reason ?? 'Suspended.',
      }))
    },

    async listRecheckable() {
      return selectRecheckable.all().map((row) => ({ leaseId: row.lease_id, jobId: row.job_id }))
    },

    async recordRecheck(parameters) {
      return recheckTx(parameters)
    },

    async releaseHeldBack(before, now) {
      return releaseTx(before, now)
    },
  }
}

/** Thrown inside the transaction to roll back everything a duplicate decision began. */
class AlreadyDecided extends Error {}

export function toStanding(row: StandingRecord): Standing {
  return {
    identity: row.identity,
    wallet: (row.wallet ?? undefined) as Address | undefined,
    validStreak: row.valid_streak,
    valid: row.valid,
    invalid: row.invalid,
    unchecked: row.unchecked,
    suspendedAt: row.suspended_at ?? undefined,
    suspendReason: row.suspend_reason ?? undefined,
  }
}
