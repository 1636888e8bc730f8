import type { GridJobRequest } from '../GridJob.ts'

export type SplitIntoBatchesOptions = {
  /** Most input bytes in one batch. Default 24 MiB (the gateway takes 64 MiB bodies by default). */
  maxBytes?: number | undefined
  /** Most jobs in one batch. Default 256 (the gateway takes 1,000). */
  maxJobs?: number | undefined
}

/**
 * Splits jobs, in order, into consecutive batches within a byte and a count budget: a dense page
 * can have hundreds of lines of up to 1.8 MB of pixels each, more than one request body holds.
 * A job larger than the byte budget gets a batch of its own.
 */
export function splitIntoBatches<job extends GridJobRequest>(
  jobs: readonly job[],
  options: SplitIntoBatchesOptions = {},
): job[][] {
  const maxBytes = options.maxBytes ?? 24 * 1024 * 1024
  const maxJobs = options.maxJobs ?? 256
  const batches: job[][] = []
  let current: job[] = []
  let bytes = 0
  for (const job of jobs) {
    const size = Object.values(job.inputs).reduce((sum, tensor) => sum + tensor.data.byteLength, 0)
    if (current.length > 0 && (bytes + size > maxBytes || current.length >= maxJobs)) {
      batches.push(current)
      current = []
      bytes = 0
    }
    current.push(job)
    bytes += size
  }
  if (current.length > 0) batches.push(current)
  return batches
}
