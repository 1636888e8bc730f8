/**
 * The body of `GET /v1/network/stats`: the grid's live figures for the network page, read from the
 * same Prometheus metric objects that `/metrics` prints, so the two cannot disagree. Counts are
 * since the gateway process started (Prometheus counters); gauges are now.
 */
export type NetworkStats = {
  /** When the figures were read (ISO 8601). */
  at: string
  workers: {
    /** Workers with an open work-protocol session (`inference_grid_workers_connected`). */
    online: number
    /** Free job slots across them (`inference_grid_worker_free_slots`). */
    freeSlots: number
  }
  jobs: {
    /** Open jobs needing a lease: the queue depth (`inference_grid_jobs{state="queued"}`). */
    queued: number
    /** Open jobs whose every replica is leased or answered (`inference_grid_jobs{state="leased"}`). */
    leased: number
    /** Leases held by workers now (`inference_grid_leases_active`). */
    activeLeases: number
    submitted: number
    completed: number
    failed: number
    cancelled: number
  }
  results: {
    accepted: number
    /** All codes together (`inference_grid_results_rejected_total`, summed). */
    rejected: number
  }
  /**
   * Jobs per second: the rise of `inference_grid_jobs_completed_total` over each window, divided
   * by the window's real length (shorter while the gateway is younger than the window).
   */
  throughput: ThroughputWindow[]
  /** Submission to completing result (`inference_grid_result_latency_seconds`), since start. */
  latency: {
    count: number
    sumSeconds: number
    /** Estimated from the histogram's buckets as Prometheus's histogram_quantile does; null before any. */
    p50Seconds: number | null
    p90Seconds: number | null
    p99Seconds: number | null
  }
  /** Verifier decisions by decision (valid, invalid, unchecked), summed over methods. */
  verdicts: Record<string, number>
  /** Every model the gateway serves and how many connected workers can run it now. */
  models: { name: string; workers: number }[]
  /** Connected workers by backend offered (`inference_grid_backend_workers`), sorted by name. */
  backends: { name: string; workers: number }[]
}

export type ThroughputWindow = {
  /** The window asked for: 10 or 60. */
  windowSeconds: number
  /** Jobs completed within it. */
  completed: number
  /** Its real length in seconds (less than `windowSeconds` while the gateway is younger). */
  seconds: number
  /** completed / seconds; 0 when seconds is 0. */
  jobsPerSecond: number
}
