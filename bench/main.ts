/**
 * `npm run bench [-- suite...]`: runs the benchmark programs and prints their tables. Figures are
 * ratios and medians measured side by side in one run on this machine; tests never assert timings.
 */
import '../src/p2p/polyfills.node.ts'

type Suite = { name: string; description: string; run: () => Promise<string> }

const suites: Suite[] = [
  {
    name: 'protocol',
    description: 'codec encode/decode, tensor hashing, result and delegation signatures',
    run: async () => (await import('./protocol.ts')).runProtocolBench(),
  },
  {
    name: 'wallet',
    description:
      'results verified/s per gateway core, delegation verification, wallet prompts per 1,000 jobs',
    run: async () => (await import('./wallet.ts')).runWalletBench(),
  },
  {
    name: 'engine',
    description:
      'per model on WASM in Chromium: raw onnxruntime-web vs the Engine proxy, and onnxruntime-node',
    run: async () => (await import('./engine.ts')).runEngineBench(),
  },
  {
    name: 'ocr',
    description:
      'grid ocr through a real gateway and a Node grid worker vs the same pipeline on local onnxruntime-node',
    run: async () => (await import('./ocr.ts')).runOcrBench(),
  },
  {
    name: 'widget',
    description:
      'widget.js size (gzip budget 15 KB); Start to first job, widget iframe vs contributor page',
    run: async () => (await import('./widget.ts')).runWidgetBench(),
  },
  {
    name: 'grid',
    description:
      'gateway capacity with 100/500/1,000 simulated workers; one contributor tab: per-job overhead, grid vs raw onnxruntime-web throughput',
    run: async () => (await import('./grid.ts')).runGridBench(),
  },
  {
    name: 'ledger',
    description:
      "the dashboard's ledger reads (pages, filters, summary, referrals, CSV) at 10k and 100k results",
    run: async () => (await import('./ledger.ts')).runLedgerBench(),
  },
  {
    name: 'verification',
    description:
      'adversarial run: 2,000 jobs, 20% tampering on 2 of 8 wallets; adaptive spot-checks vs replication',
    run: async () => (await import('./verification.ts')).runVerificationBench(),
  },
]

const requested = process.argv.slice(2).filter((a) => !a.startsWith('-'))
const unknown = requested.filter((name) => !suites.some((s) => s.name === name))
if (unknown.length > 0) {
  console.error(
    `Unknown bench suite(s): ${unknown.join(', ')}. Available: ${suites.map((s) => s.name).join(', ')}.`,
  )
  process.exit(2)
}
const selected = requested.length > 0 ? suites.filter((s) => requested.includes(s.name)) : suites
console.log(`# Inference Grid benchmarks (${new Date().toISOString()})\n`)
for (const suite of selected) {
  const started = performance.now()
  console.error(`bench: ${suite.name}: ${suite.description}...`)
  console.log(await suite.run())
  console.error(`bench: ${suite.name} took ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
