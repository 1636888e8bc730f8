import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'

export type CpuPinning = {
  /** Wraps a browser executable so it (and every process it starts) runs on the browser CPUs. */
  browserExecutable(executable: string): string
  /** Moves a running process (all its threads) to the gateway CPU. */
  pinGateway(pid: number): void
  describe: string
}

/**
 * Splits this machine's CPUs: CPU 0 for the gateway (and this bench process), the rest for the
 * browser, so a tab's throughput is measured on cores of its own, as when the gateway runs on
 * another machine, instead of the gateway taking CPU from the tab it is measuring. Undefined
 * with fewer than 2 CPUs, without taskset, or when GRID_BENCH_PIN=0.
 */
export function createCpuPinning(): CpuPinning | undefined {
  const count = cpus().length
  if (count < 2 || process.env.GRID_BENCH_PIN === '0') return undefined
  try {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' })
  } catch {
    return undefined
  }
  const browserCpus = count === 2 ? '1' : `1-${count - 1}`
  return {
    browserExecutable(executable) {
      const dir = mkdtempSync(path.join(tmpdir(), 'grid-bench-pin-'))
      const wrapper = path.join(dir, 'browser')
      writeFileSync(wrapper, `#!/bin/sh\nexec taskset -c ${browserCpus} "${executable}" "$@"\n`)
      chmodSync(wrapper, 0o755)
      return wrapper
    },
    pinGateway(pid) {
      execFileSync('taskset', ['-a', '-p', '-c', '0', String(pid)], { stdio: 'ignore' })
    },
    describe: `gateway and requester pinned to CPU 0, the browser to CPU ${browserCpus} (GRID_BENCH_PIN=0 shares them all)`,
  }
}
