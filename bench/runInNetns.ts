/**
 * Runs a bench program inside a private network namespace, as test/run-e2e.sh does for the e2e
 * suite: as root (and unless IG_NO_NETNS=1) `unshare -n` with a veth pair whose both ends stay
 * inside it and carry the default route, so Chromium gathers WebRTC candidates and nothing leaves
 * the machine. The program runs with IG_NETNS=1 and prints its table on stdout, which comes back.
 */
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')

const netnsScript = `
set -euo pipefail
ip link set lo up
ip link add v0 type veth peer name v1
ip addr add 10.254.0.1/24 dev v0
ip addr add 10.254.0.2/24 dev v1
ip link set v0 up
ip link set v1 up
ip route add default via 10.254.0.2 dev v0
export IG_NETNS=1
exec "$0" --import tsx "$1"
`

/** Whether this process may make the namespace (root, unshare, ip; not already inside one). */
export function canNetns(): boolean {
  if (process.env.IG_NO_NETNS === '1' || process.env.IG_NETNS === '1') return false
  if (process.getuid?.() !== 0) return false
  const probe = spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' })
  const ip = spawnSync('ip', ['-V'], { stdio: 'ignore' })
  return probe.status === 0 && ip.status === 0
}

export type RunInNetnsParameters = {
  /** The program, relative to the repository root (e.g. 'bench/gridBrowser.ts'). */
  program: string
  /** Names the part in errors. */
  label: string
}

/** The program's stdout, trimmed; throws when it exits non-zero. */
export async function runInNetns({ program, label }: RunInNetnsParameters): Promise<string> {
  const child = spawn('unshare', ['-n', 'bash', '-c', netnsScript, process.execPath, program], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk
  })
  // Our exit must not leave the namespace's gateway and browser behind.
  const kill = () => child.kill('SIGTERM')
  process.once('exit', kill)
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  process.off('exit', kill)
  if (code !== 0) throw new Error(`${label} failed in the network namespace (exit ${code})`)
  return output.trimEnd()
}
