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
import { runGridCapacity } from './gridCapacity.ts'
import { canNetns, runInNetns } from './runInNetns.ts'

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
  return runInNetns({ program: 'bench/gridBrowser.ts', label: 'the tab part' })
}

export async function runGridBench(): Promise<string> {
  const capacity = await runGridCapacity()
  const tab = await runGridTab()
  return ['## Grid', '', capacity, tab, ''].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runGridBench())
}
