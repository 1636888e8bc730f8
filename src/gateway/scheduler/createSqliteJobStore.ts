import type { Database } from 'better-sqlite3'
import type { Address, Hex } from 'viem'
import type { Backend, ModelId } from '../../protocol/messages.ts'
import type {
  CancelJobReturnType,
  CompleteLeaseReturnType,
  CreatedLease,
  EndLeaseReturnType,
  JobRow,
  JobState,
  JobStore,
  QueuedJobRow,
  ResultRow,
} from './JobStore.ts'

export type CreateSqliteJobStoreReturnType = JobStore

type JobRecord = {
  seq: number
  id: string
  requester: string
  model_id: string
  input_hash: string
  output_names: string
  priority: number
  redundancy: number
  max_attempts: number
  state: JobState
  active_leases: number
  results: number
  leases_issued: number
  failures: number
  failure_code: string | null
  failure_message: string | null
  created_at: number
  finished_at: number | null
  price: number
  requested_redundancy: number | null
  verification: JobRow['verification'] | null
  verified_at: number | null
}

/**
 * The JobStore on the gateway's SQLite database. Each method runs in one IMMEDIATE transaction
 * (better-sqlite3 is synchronous, so nothing else runs in between), and each write is guarded by
 * the state it expects: a lease completes only while `active` and within its deadline, a job
 * gains a result only while open and short of its redundancy, and a result row is unique per
 * lease and per (job, worker identity). A duplicate or late completion therefore changes nothing
 * and reports why; it cannot complete or credit a job twice.
 */
export function createSqliteJobStore(db: Database): CreateSqliteJobStoreReturnType {
  const insertJob = db.prepare(`
    INSERT INTO jobs (id, requester, model_id, input_hash, output_names, axes, priority,
                      redundancy, max_attempts, state, created_at, price, requested_redundancy)
    VALUES (@id, @requester, @modelId, @inputHash, @outputNames, @axes, @priority,
            @redundancy, @maxAttempts, 'queued', @createdAt, @price, @redundancy)`)
  const insertInputs = db.prepare<[number, Uint8Array]>(
    'INSERT INTO job_inputs (seq, inputs) VALUES (?, ?)',
  )
  const selectInputs = db.prepare<[number], { inputs: Uint8Array }>(
    'SELECT inputs FROM job_inputs WHERE seq = ?',
  )
  const selectUsage = db.prepare<[string, string], { jobs: number }>(
    'SELECT jobs FROM api_key_usage WHERE key_id = ? AND day = ?',
  )
  const addUsage = db.prepare<[string, string, number]>(`
    INSERT INTO api_key_usage (key_id, day, jobs) VALUES (?, ?, ?)
    ON CONFLICT (key_id, day) DO UPDATE SET jobs = jobs + excluded.jobs`)
  const selectQueued = db.prepare<
    [],
    Pick<
      JobRecord,
      | 'seq'
      | 'id'
      | 'requester'
      | 'model_id'
      | 'priority'
      | 'redundancy'
      | 'active_leases'
      | 'results'
    >
  >(`
    SELECT seq, id, requester, model_id, priority, redundancy, active_leases, results
    FROM jobs WHERE state = 'queued' ORDER BY seq`)
  const selectAnsweredOpen = db.prepare<[], { job_id: string; worker_identity: string }>(`
    SELECT r.job_id, r.worker_identity FROM job_results r
    JOIN jobs j ON j.id = r.job_id WHERE j.state = 'queued'`)
  const leaseJob = db.prepare<
    [string],
    {
      seq: number
      leases_issued: number
      model_id: string
      input_hash: string
      output_names: string
      axes: string
      requester: string
      redundancy: number
      created_at: number
      state: JobState
    }
  >(`
    UPDATE jobs SET
      active_leases = active_leases + 1,
      leases_issued = leases_issued + 1,
      state = CASE WHEN active_leases + 1 + results >= redundancy THEN 'leased' ELSE 'queued' END
    WHERE id = ? AND state = 'queued' AND active_leases + results < redundancy
    RETURNING seq, leases_issued, model_id, input_hash, output_names, axes, requester,
              redundancy, created_at, state`)
  // Replicas go to distinct wallets and distinct peers: one peer cannot answer twice for a job
  // under two wallets (it could otherwise outvote an honest replica alone).
  const identityBusy = db.prepare<[string, string, string], { one: number }>(`
    SELECT 1 AS one FROM job_leases
    WHERE job_id = ? AND (worker_identity = ? OR worker_peer = ?)
      AND state IN ('active', 'completed')`)
  const insertLease = db.prepare(`
    INSERT INTO job_leases (job_id, attempt, session_id, worker_peer, worker_identity, wallet,
                            state, leased_at, deadline)
    VALUES (@jobId, @attempt, @sessionId, @peerId, @identity, @wallet, 'active', @now, @deadline)`)
  const completeLeaseRow = db.prepare<[number, number, number]>(`
    UPDATE job_leases SET state = 'completed', ended_at = ?
    WHERE id = ? AND state = 'active' AND deadline >= ?`)
  const selectLease = db.prepare<
    [number],
    { job_id: string; state: string; deadline: number; worker_identity: string }
  >('SELECT job_id, state, deadline, worker_identity FROM job_leases WHERE id = ?')
  const addResultToJob = db.prepare<
    [{ now: number; id: string }],
    { state: JobState; results: number }
  >(`
    UPDATE jobs SET
      active_leases = active_leases - 1,
      results = results + 1,
      state = CASE
        WHEN results + 1 >= redundancy THEN 'completed'
        WHEN active_leases - 1 + results + 1 >= redundancy THEN 'leased'
        ELSE 'queued' END,
      finished_at = CASE WHEN results + 1 >= redundancy THEN @now ELSE finished_at END
    WHERE id = @id AND state IN ('queued', 'leased') AND results < redundancy
    RETURNING state, results`)
  const insertResult = db.prepare(`
    INSERT INTO job_results (lease_id, job_id, session_id, worker_peer, worker_identity, wallet,
                             partner, session_key, key_type, backend, outputs, output_hash,
                             signature, inference_us, total_us, queue_us, received_at)
    VALUES (@leaseId, @jobId, @sessionId, @peerId, @identity, @wallet, @partner, @sessionKey,
            @keyType, @backend, @outputs, @outputHash, @signature, @inferenceUs, @totalUs,
            @queueUs, @receivedAt)`)
  const endLeaseRow = db.prepare<[string, number, string, number]>(`
    UPDATE job_leases SET state = ?, ended_at = ?, end_code = ? WHERE id = ? AND state = 'active'`)
  const selectJobRecord = db.prepare<[string], JobRecord>(`
    SELECT seq, id, requester, model_id, input_hash, output_names, priority, redundancy,
           max_attempts, state, active_leases, results, leases_issued, failures, failure_code,
           failure_message, created_at, finished_at, price, requested_redundancy, verification,
           verified_at
    FROM jobs WHERE id = ?`)
  const addReplicaRow = db.prepare<[string], { seq: number }>(`
    UPDATE jobs SET redundancy = redundancy + 1, state = 'queued', finished_at = NULL
    WHERE id = ? AND state = 'completed' AND verified_at IS NULL RETURNING seq`)
  const selectAnsweredBy = db.prepare<[string], { worker_identity: string }>(
    'SELECT worker_identity FROM job_results WHERE job_id = ?',
  )
  const requeueAfterLease = db.prepare<[number, string]>(`
    UPDATE jobs SET active_leases = active_leases - 1, failures = failures + ?, state = 'queued'
    WHERE id = ?`)
  const failJob = db.prepare<[string, number, string]>(`
    UPDATE jobs SET state = 'failed', active_leases = 0, failures = failures + 1,
                    failure_code = 'JOB_ATTEMPTS_EXHAUSTED', failure_message = ?, finished_at = ?
    WHERE id = ?`)
  const cancelActiveLeases = db.prepare<[number, string, string], { id: number }>(`
    UPDATE job_leases SET state = 'cancelled', ended_at = ?, end_code = ?
    WHERE job_id = ? AND state = 'active' RETURNING id`)
  const cancelJobRow = db.prepare<[number, string, string]>(`
    UPDATE jobs SET state = 'cancelled', active_leases = 0, finished_at = ?
    WHERE id = ? AND requester = ? AND state IN ('queued', 'leased')`)
  const selectJobState = db.prepare<[string, string], { state: JobState }>(
    'SELECT state FROM jobs WHERE id = ? AND requester = ?',
  )
  const releaseLeases = db.prepare<[number, string]>(`
    UPDATE job_leases SET state = 'released', ended_at = ?, end_code = ? WHERE state = 'active'`)
  const reopenJobs = db.prepare(`
    UPDATE jobs SET active_leases = 0, state = 'queued' WHERE state IN ('queued', 'leased')`)
  const insertSession = db.prepare(`
    INSERT INTO worker_sessions (id, peer_id, wallet, partner, session_key, key_type, delegation,
                                 client_version, connected_at)
    VALUES (@sessionId, @peerId, @wallet, @partner, @sessionKey, @keyType, @delegation,
            @clientVersion, @connectedAt)`)
  const endSessionRow = db.prepare<[number, string | null, string]>(`
    UPDATE worker_sessions SET disconnected_at = ?, end_code = ?
    WHERE id = ? AND disconnected_at IS NULL`)
  const selectResults = db.prepare<
    [string],
    {
      lease_id: number
      job_id: string
      worker_peer: string
      wallet: string | null
      backend: string
      outputs: Uint8Array
      output_hash: string
      signature: string
      session_key: string
      inference_us: number
      total_us: number
      received_at: number
      decision: 'valid' | 'invalid' | 'unchecked' | null
      method: 'redundancy' | 'spot-check' | 'sampling' | 'standing' | null
      detail: string | null
      decided_at: number | null
      recheck: 'valid' | 'invalid' | null
      recheck_detail: string | null
      rechecked_at: number | null
    }
  >(`
    SELECT r.lease_id, r.job_id, r.worker_peer, r.wallet, r.backend, r.outputs, r.output_hash,
           r.signature, r.session_key, r.inference_us, r.total_us, r.received_at,
           v.decision, v.method, v.detail, v.decided_at,
           c.decision AS recheck, c.detail AS recheck_detail, c.decided_at AS rechecked_at
    FROM job_results r LEFT JOIN result_verdicts v ON v.lease_id = r.lease_id
    LEFT JOIN result_rechecks c ON c.lease_id = r.lease_id
    WHERE r.job_id = ? ORDER BY r.received_at, r.lease_id`)
  const selectCounts = db.prepare<[], { state: string; n: number }>(`
    SELECT state, count(*) AS n FROM jobs WHERE state IN ('queued', 'leased') GROUP BY state`)

  const selectFinishedSeq = db.prepare<[string, string], { seq: number }>(`
    SELECT seq FROM jobs
    WHERE id = ? AND requester = ? AND state IN ('completed', 'failed', 'cancelled')`)
  const deleteJobResults = db.prepare<[string]>('DELETE FROM job_results WHERE job_id = ?')
  const deleteJobLeases = db.prepare<[string]>('DELETE FROM job_leases WHERE job_id = ?')
  const deleteJobInputs = db.prepare<[number]>('DELETE FROM job_inputs WHERE seq = ?')
  const deleteJob = db.prepare<[number]>('DELETE FROM jobs WHERE seq = ?')

  const immediate = <A extends unknown[], R>(fn: (...args: A) => R) => {
    const tx = db.transaction(fn)
    return (...args: A): R => tx.immediate(...args)
  }

  const deleteFinishedTx = immediate((jobIds: readonly string[], requester: string) => {
    let deleted = 0
    for (const jobId of jobIds) {
      const row = selectFinishedSeq.get(jobId, requester)
      if (!row) continue
      deleteJobResults.run(jobId)
      deleteJobLeases.run(jobId)
      deleteJobInputs.run(row.seq)
      deleteJob.run(row.seq)
      deleted++
    }
    return deleted
  })

  const insertJobsTx = immediate(
    (jobs: Parameters<JobStore['insertJobs']>[0], quota: Parameters<JobStore['insertJobs']>[1]) => {
      if (quota) {
        const used = selectUsage.get(quota.requester, quota.day)?.jobs ?? 0
        if (used + jobs.length > quota.limit)
          return { ok: false as const, used, limit: quota.limit }
        addUsage.run(quota.requester, quota.day, jobs.length)
      }
      const seqs: number[] = []
      for (const job of jobs) {
        const { lastInsertRowid } = insertJob.run({
          id: job.id,
          requester: job.requester,
          modelId: job.modelId,
          inputHash: job.inputHash,
          outputNames: JSON.stringify(job.outputNames),
          axes: JSON.stringify(job.axes),
          priority: job.priority,
          redundancy: job.redundancy,
          maxAttempts: job.maxAttempts,
          createdAt: job.createdAt,
          price: job.price ?? 0n,
        })
        insertInputs.run(Number(lastInsertRowid), job.inputs)
        seqs.push(Number(lastInsertRowid))
      }
      return { ok: true as const, seqs }
    },
  )

  const createLeaseTx = immediate(
    (jobId: string, worker: Parameters<JobStore['createLease']>[1], now: number, ms: number) => {
      // Cheap refusal first: this worker's identity already holds or answered a replica.
      if (identityBusy.get(jobId, worker.identity, worker.peerId)) return undefined
      const job = leaseJob.get(jobId)
      if (!job) return undefined
      const deadline = now + ms
      const { lastInsertRowid } = insertLease.run({
        jobId,
        attempt: job.leases_issued,
        sessionId: worker.sessionId,
        peerId: worker.peerId,
        identity: worker.identity,
        wallet: worker.wallet ?? null,
        now,
        deadline,
      })
      const lease: CreatedLease = {
        leaseId: Number(lastInsertRowid),
        jobId,
        attempt: job.leases_issued,
        modelId: job.model_id as ModelId,
        inputs: selectInputs.get(job.seq)?.inputs ?? new Uint8Array(),
        inputHash: job.input_hash as Hex,
        outputNames: JSON.parse(job.output_names) as string[],
        axes: JSON.parse(job.axes) as Record<string, number>,
        requester: job.requester,
        redundancy: job.redundancy,
        jobCreatedAt: job.created_at,
        leasedAt: now,
        deadline,
        jobState: job.state,
      }
      return lease
    },
  )

  const completeLeaseTx = immediate(
    (result: Parameters<JobStore['completeLease']>[0]): CompleteLeaseReturnType => {
      const done = completeLeaseRow.run(result.receivedAt, result.leaseId, result.receivedAt)
      if (done.changes !== 1) {
        const lease = selectLease.get(result.leaseId)
        const expired = lease?.state === 'active' || lease?.state === 'expired'
        return { ok: false, reason: expired ? 'expired' : 'not-active' }
      }
      const job = addResultToJob.get({ now: result.receivedAt, id: result.jobId })
      // An active lease always belongs to an open job short of its redundancy (the other
      // transitions end a job's leases with it); if not, the invariant broke: roll back.
      if (!job) throw new Error(`Job ${result.jobId} cannot take a result for an active lease.`)
      insertResult.run({
        leaseId: result.leaseId,
        jobId: result.jobId,
        sessionId: result.worker.sessionId,
        peerId: result.worker.peerId,
        identity: result.worker.identity,
        wallet: result.worker.wallet ?? null,
        partner: result.partner ?? null,
        sessionKey: result.sessionKey,
        keyType: result.keyType,
        backend: result.backend,
        outputs: result.outputs,
        outputHash: result.outputHash,
        signature: result.signature,
        inferenceUs: result.inferenceUs,
        totalUs: result.totalUs,
        queueUs: result.queueUs ?? null,
        receivedAt: result.receivedAt,
      })
      return { ok: true, jobState: job.state, results: job.results }
    },
  )

  const endLeaseTx = immediate(
    (parameters: Parameters<JobStore['endLease']>[0]): EndLeaseReturnType => {
      const { leaseId, state, code, countsAsFailure, now } = parameters
      const lease = selectLease.get(leaseId)
      if (!lease) return undefined
      if (endLeaseRow.run(state, now, code, leaseId).changes !== 1) return undefined
      const job = selectJobRecord.get(lease.job_id)
      if (!job) throw new Error(`Lease ${leaseId} names a missing job.`)
      if (countsAsFailure && job.failures + 1 >= job.max_attempts) {
        const message = `All ${job.max_attempts} attempts failed; the last ended with ${code}.`
        failJob.run(message, now, job.id)
        const cancelled = cancelActiveLeases.all(now, 'JOB_ATTEMPTS_EXHAUSTED', job.id)
        return { jobId: job.id, jobState: 'failed', cancelledLeaseIds: cancelled.map((r) => r.id) }
      }
      requeueAfterLease.run(countsAsFailure ? 1 : 0, job.id)
      const after = selectJobRecord.get(job.id)
      return { jobId: job.id, jobState: after?.state ?? job.state, cancelledLeaseIds: [] }
    },
  )

  const cancelJobTx = immediate(
    (jobId: string, requester: string, now: number): CancelJobReturnType => {
      if (cancelJobRow.run(now, jobId, requester).changes === 1) {
        const cancelled = cancelActiveLeases.all(now, 'JOB_CANCELLED', jobId)
        return { outcome: 'cancelled', cancelledLeaseIds: cancelled.map((r) => r.id) }
      }
      const row = selectJobState.get(jobId, requester)
      return row ? { outcome: 'not-cancellable', state: row.state } : { outcome: 'not-found' }
    },
  )

  const releaseTx = immediate((now: number, code: string) => {
    const released = releaseLeases.run(now, code).changes
    reopenJobs.run()
    return released
  })

  return {
    async insertJobs(jobs, quota) {
      return insertJobsTx(jobs, quota)
    },

    async loadQueued() {
      const answered = new Map<string, string[]>()
      for (const row of selectAnsweredOpen.all()) {
        const list = answered.get(row.job_id) ?? []
        list.push(row.worker_identity)
        answered.set(row.job_id, list)
      }
      return selectQueued.all().map(
        (row): QueuedJobRow => ({
          id: row.id,
          seq: row.seq,
          requester: row.requester,
          modelId: row.model_id as ModelId,
          priority: row.priority,
          redundancy: row.redundancy,
          activeLeases: row.active_leases,
          results: row.results,
          answeredBy: answered.get(row.id) ?? [],
        }),
      )
    },

    async createLease(jobId, worker, now, leaseMs) {
      return createLeaseTx(jobId, worker, now, leaseMs)
    },

    async completeLease(result) {
      return completeLeaseTx(result)
    },

    async endLease(parameters) {
      return endLeaseTx(parameters)
    },

    async cancelJob(jobId, requester, now) {
      return cancelJobTx(jobId, requester, now)
    },

    async addReplica(jobId) {
      const added = immediate(() => addReplicaRow.get(jobId))()
      if (!added) return undefined
      const row = selectJobRecord.get(jobId)
      if (!row) return undefined
      return {
        id: row.id,
        seq: row.seq,
        requester: row.requester,
        modelId: row.model_id as ModelId,
        priority: row.priority,
        redundancy: row.redundancy,
        activeLeases: row.active_leases,
        results: row.results,
        answeredBy: selectAnsweredBy.all(jobId).map((r) => r.worker_identity),
      }
    },

    async releaseActiveLeases(now, code) {
      return releaseTx(now, code)
    },

    async recordSession(session) {
      insertSession.run({
        sessionId: session.sessionId,
        peerId: session.peerId,
        wallet: session.wallet ?? null,
        partner: session.partner ?? null,
        sessionKey: session.sessionKey,
        keyType: session.keyType,
        delegation: session.delegation ?? null,
        clientVersion: session.clientVersion,
        connectedAt: session.connectedAt,
      })
    },

    async endSession(sessionId, now, code) {
      endSessionRow.run(now, code ?? null, sessionId)
    },

    async getJob(jobId) {
      const row = selectJobRecord.get(jobId)
      return row ? toJobRow(row) : undefined
    },

    async getResults(jobId) {
      return selectResults.all(jobId).map(
        (row): ResultRow => ({
          leaseId: row.lease_id,
          jobId: row.job_id,
          workerPeer: row.worker_peer,
          wallet: (row.wallet ?? undefined) as Address | undefined,
          backend: row.backend as Backend,
          outputs: row.outputs,
          outputHash: row.output_hash as Hex,
          signature: row.signature as Hex,
          sessionKey: row.session_key as Hex,
          inferenceUs: row.inference_us,
          totalUs: row.total_us,
          receivedAt: row.received_at,
          verdict:
            row.decision && row.method
              ? {
                  decision: row.decision,
                  method: row.method,
                  detail: row.detail ?? '',
                  decidedAt: row.decided_at ?? 0,
                }
              : undefined,
          recheck: row.recheck
            ? {
                decision: row.recheck,
                detail: row.recheck_detail ?? '',
                decidedAt: row.rechecked_at ?? 0,
              }
            : undefined,
        }),
      )
    },

    async deleteFinishedJobs(jobIds, requester) {
      return deleteFinishedTx(jobIds, requester)
    },

    async counts() {
      const counts = { queued: 0, leased: 0 }
      for (const row of selectCounts.all()) {
        if (row.state === 'queued' || row.state === 'leased') counts[row.state] = row.n
      }
      return counts
    },
  }
}

function toJobRow(row: JobRecord): JobRow {
  return {
    id: row.id,
    seq: row.seq,
    requester: row.requester,
    modelId: row.model_id as ModelId,
    inputHash: row.input_hash as Hex,
    outputNames: JSON.parse(row.output_names) as string[],
    priority: row.priority,
    redundancy: row.redundancy,
    maxAttempts: row.max_attempts,
    state: row.state,
    activeLeases: row.active_leases,
    results: row.results,
    leasesIssued: row.leases_issued,
    failures: row.failures,
    failureCode: row.failure_code ?? undefined,
    failureMessage: row.failure_message ?? undefined,
    createdAt: row.created_at,
    finishedAt: row.finished_at ?? undefined,
    price: BigInt(row.price),
    requestedRedundancy: row.requested_redundancy ?? row.redundancy,
    verification: row.verification ?? undefined,
    verifiedAt: row.verified_at ?? undefined,
  }
}
