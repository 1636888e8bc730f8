import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export type SchedulerGaugeSource = () => {
  workers: number
  freeSlots: number
  queued: number
  leased: number
  activeLeases: number
}

export type JobNetworkMetrics = {
  jobsSubmitted: Counter
  jobsCompleted: Counter
  jobsFailed: Counter
  jobsCancelled: Counter
  leasesCreated: Counter
  leaseExpiries: Counter
  resultsAccepted: Counter
  resultsRejected: Counter<'code'>
  /** From submission to the result that completed the job. */
  resultLatencySeconds: Histogram
  /**
   * From handing an assignment to the worker's session to its accepted result arriving, minus the
   * inference time the worker reported: transfer both ways, queueing, hashing and signing.
   */
  workerOverheadSeconds: Histogram
  workSessionsClosed: Counter<'code'>
  protocolErrors: Counter<'code'>
  /** Verifier decisions on results (issue 6). */
  verdicts: Counter<'decision' | 'method'>
  spotCheckRunSeconds: Histogram
  suspensions: Counter
  corrections: Counter
  /** Requests, frames, sessions and connections refused by an abuse limit (issue 9). */
  limitRejections: Counter<'limit'>
  /** Wires the gauges (workers connected, jobs queued/leased...) to the scheduler's state. */
  setSchedulerSource(source: SchedulerGaugeSource): void
}

/**
 * The job network's Prometheus series, registered on the gateway's registry. Gauges are read from
 * the scheduler at scrape time, so they cost nothing between scrapes.
 */
export function createJobNetworkMetrics(registry: Registry): JobNetworkMetrics {
  let source: SchedulerGaugeSource | undefined
  const read = () => source?.()
  const registers = [registry]

  new Gauge({
    name: 'inference_grid_workers_connected',
    help: 'Workers with an open work-protocol session (after hello).',
    registers,
    collect() {
      this.set(read()?.workers ?? 0)
    },
  })
  new Gauge({
    name: 'inference_grid_worker_free_slots',
    help: 'Job slots free across connected workers.',
    registers,
    collect() {
      this.set(read()?.freeSlots ?? 0)
    },
  })
  new Gauge({
    name: 'inference_grid_jobs',
    help: 'Open jobs by state: queued (needs a lease) or leased (every replica out or answered).',
    labelNames: ['state'],
    registers,
    collect() {
      const stats = read()
      this.set({ state: 'queued' }, stats?.queued ?? 0)
      this.set({ state: 'leased' }, stats?.leased ?? 0)
    },
  })
  new Gauge({
    name: 'inference_grid_leases_active',
    help: 'Leases held by workers right now.',
    registers,
    collect() {
      this.set(read()?.activeLeases ?? 0)
    },
  })

  const counter = (name: string, help: string) => new Counter({ name, help, registers })
  return {
    jobsSubmitted: counter('inference_grid_jobs_submitted_total', 'Jobs accepted from requesters.'),
    jobsCompleted: counter(
      'inference_grid_jobs_completed_total',
      'Jobs completed (every replica answered).',
    ),
    jobsFailed: counter('inference_grid_jobs_failed_total', 'Jobs failed after their attempts.'),
    jobsCancelled: counter('inference_grid_jobs_cancelled_total', 'Jobs cancelled by requesters.'),
    leasesCreated: counter('inference_grid_leases_total', 'Leases given to workers.'),
    leaseExpiries: counter(
      'inference_grid_lease_expiries_total',
      'Leases that ran out before a result arrived.',
    ),
    resultsAccepted: counter('inference_grid_results_accepted_total', 'Results accepted.'),
    resultsRejected: new Counter({
      name: 'inference_grid_results_rejected_total',
      help: 'Results refused, by the code sent back in the ack.',
      labelNames: ['code'],
      registers,
    }),
    resultLatencySeconds: new Histogram({
      name: 'inference_grid_result_latency_seconds',
      help: 'Time from a job’s submission to the result that completed it.',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    workerOverheadSeconds: new Histogram({
      name: 'inference_grid_worker_overhead_seconds',
      help: 'Assignment sent to accepted result received, minus the worker’s reported inference time.',
      // Fine below 20 ms: the goal is a few ms per job (npm run bench -- grid reads the quantiles).
      buckets: [
        0.0005, 0.001, 0.0015, 0.002, 0.0025, 0.003, 0.004, 0.005, 0.0075, 0.01, 0.0125, 0.015,
        0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
      ],
      registers,
    }),
    workSessionsClosed: new Counter({
      name: 'inference_grid_work_sessions_closed_total',
      help: 'Work-protocol sessions ended, by reason code (none: closed by the worker).',
      labelNames: ['code'],
      registers,
    }),
    protocolErrors: new Counter({
      name: 'inference_grid_protocol_errors_total',
      help: 'Malformed or out-of-order frames from workers, by error code.',
      labelNames: ['code'],
      registers,
    }),
    verdicts: new Counter({
      name: 'inference_grid_verdicts_total',
      help: 'Verifier decisions on results, by decision (valid, invalid, unchecked) and method.',
      labelNames: ['decision', 'method'],
      registers,
    }),
    spotCheckRunSeconds: new Histogram({
      name: 'inference_grid_spot_check_run_seconds',
      help: 'onnxruntime-node re-run time of a spot-check or recheck (in the ONNX worker thread).',
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
      registers,
    }),
    suspensions: counter(
      'inference_grid_suspensions_total',
      'Wallets or anonymous peers suspended for repeated invalid results.',
    ),
    corrections: counter(
      'inference_grid_corrections_total',
      'Results accepted unchecked that a re-run after a suspension found wrong.',
    ),
    limitRejections: new Counter({
      name: 'inference_grid_limit_rejections_total',
      help: 'Requests, frames, sessions and connections refused by an abuse limit, by limit (see docs/ARCHITECTURE.md, Abuse limits).',
      labelNames: ['limit'],
      registers,
    }),
    setSchedulerSource(next) {
      source = next
    },
  }
}
