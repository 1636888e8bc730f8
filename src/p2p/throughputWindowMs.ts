/** How long an accepted result counts toward a worker's throughput (jobs per minute), ms. */
export const THROUGHPUT_WINDOW_MS = 60_000
