/**
 * The `grid` bench suite (issue 4): gateway capacity with simulated workers (bench/gridCapacity.ts,
 * no browser), then one real contributor tab (bench/gridBrowser.ts): per-job overhead and grid vs
 * raw onnxruntime-web throughput.
 *
 * The tab part wants WebRTC-Direct, which Chromium only uses with a default route: as root (and
 * unless IG_NO_NETNS=1), this re-executes bench/gridBrowser.ts inside a private network namespace
 * with a veth pair whose both ends stay inside it, exactly as test/run-e2e.sh does, so nothing
 * leaves the machine. Otherwise the tab runs here over WebSocket, and the table says so.
 */
import { spawn, spawnSync } from 'node:child_process'
import path from 'node:path'
import { runGridCapacity } from './gridCapacity.ts'

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
exec "$0" --import tsx bench/gridBrowser.ts
`

function canNetns(): boolean {
  if (process.env.IG_NO_NETNS === '1' || process.env.IG_NETNS === '1') return false
  if (process.getuid?.() !== 0) return false
  const probe = spawnSync('unshare', ['-n', 'true'], { stdio: 'ignore' })
  const ip = spawnSync('ip', ['-V'], { stdio: 'ignore' })
  return probe.status === 0 && ip.status === 0
}

/** The contributor-tab part, in a private network namespace when possible. */
export async function runGridTab(): Promise<string> {
  if (!canNetns()) {
    const reason =
      process.env.IG_NETNS === '1'
        ? 'already inside the network namespace'
        : 'no private network namespace (needs root, unshare and ip): WebSocket instead of WebRTC-Direct'
    console.error(`bench: grid: tab part runs here (${reason})`)
    const { runGridBrowserBench } = await import('./gridBrowser.ts')
    return (await runGridBrowserBench()).text
  }
  console.error(
    'bench: grid: tab part runs inside a private network namespace (veth 10.254.0.1 <-> 10.254.0.2)',
  )
  const child = spawn('unshare', ['-n', 'bash', '-c', netnsScript, process.execPath], {
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
  if (code !== 0) throw new Error(`the tab part failed in the network namespace (exit ${code})`)
  return output.trimEnd()
}

export async function runGridBench(): Promise<string> {
  const capacity = await runGridCapacity()
  const tab = await runGridTab()
  return ['## Grid', '', capacity, tab, ''].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runGridBench())
}
