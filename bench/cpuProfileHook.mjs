/**
 * Preloaded into the gateway by the grid benchmark (NODE_OPTIONS=--import=<this file>, since Node
 * 20 refuses --cpu-prof there) when GRID_BENCH_CPU_PROF names a directory: profiles the whole
 * process with the inspector between two SIGUSR2 signals (the benchmark sends them around the
 * measured windows of its last connection count) and writes a .cpuprofile (Chrome DevTools format).
 */
import { writeFileSync } from 'node:fs'
import { Session } from 'node:inspector'
import path from 'node:path'

const dir = process.env.GRID_BENCH_CPU_PROF
if (dir) {
  const session = new Session()
  session.connect()
  let profiling = false
  process.on('SIGUSR2', () => {
    if (!profiling) {
      profiling = true
      session.post('Profiler.enable', () => {
        session.post('Profiler.setSamplingInterval', { interval: 500 }, () => {
          session.post('Profiler.start')
        })
      })
      return
    }
    session.post('Profiler.stop', (error, result) => {
      if (error) return
      const file = path.join(dir, `gateway-${process.pid}.cpuprofile`)
      writeFileSync(file, JSON.stringify(result.profile))
      process.stderr.write(`cpu profile written to ${file}\n`)
    })
  })
}
