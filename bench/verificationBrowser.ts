/**
 * The adversarial run of issue 6 with real contributor tabs (the Chromium row of `npm run bench
 * verification`): the real gateway as a process with the default verification policy, 2 honest
 * Chromium tabs each earning for its own EIP-6963 test wallet on WASM, and 2 Node workers with
 * their own wallets that falsify a seeded 20% of their Silero results (onnxruntime-node plus a
 * 0.3 shift of the speech probability: test/fixtures/tamperingRunJob.ts). 2,000 Silero VAD jobs
 * through POST /v1/jobs:batch; then every verdict is awaited and read over HTTP (job views,
 * ledger, /metrics: test/fixtures/readAdversarialOutcome.ts).
 *
 * Transport: WebRTC-Direct inside a private network namespace (bench/verification.ts re-executes
 * this file under `unshare -n` as root; IG_NETNS=1), WebSocket otherwise (the page on 127.0.0.1
 * allows it). Run alone: `npx tsx bench/verificationBrowser.ts`.
 */
import { chromium } from '@playwright/test'
import { xorshift32 } from '../src/gateway/models/builtin/xorshift32.ts'
import { chromiumArgs, chromiumPath } from '../test/fixtures/chromium.ts'
import { contributeWithWallet } from '../test/fixtures/contributeWithWallet.ts'
import {
  type AdversarialOutcome,
  readAdversarialOutcome,
} from '../test/fixtures/readAdversarialOutcome.ts'
import { startGateway } from '../test/fixtures/startGateway.ts'
import {
  startTamperingWorker,
  type TamperingWorker,
} from '../test/fixtures/startTamperingWorker.ts'
import { sileroInputs } from '../test/fixtures/tamperingRunJob.ts'
import { TEST_WALLET_KEYS } from '../test/fixtures/testWallet.ts'
import { ensureBuilt } from './engine.ts'
import { BENCH_OPERATOR_TOKEN, createBenchApiKey, findModel, submitBatch } from './gridGateway.ts'
import { fmt, table } from './measure.ts'

export type VerificationBrowserOptions = {
  jobs: number
  tabs: number
  tamperingWorkers: number
  tamperRate: number
  seed: number
}

export type VerificationBrowserReturnType = {
  outcome: AdversarialOutcome
  transport: string
  /** Results the tamperers falsified, accepted by the gateway or not. */
  tamperedReturned: number
  wallMs: number
  text: string
}

export const BROWSER_RUN: VerificationBrowserOptions = {
  jobs: 2000,
  tabs: 2,
  tamperingWorkers: 2,
  tamperRate: 0.2,
  seed: 2026,
}

export async function runVerificationBrowser(
  options: VerificationBrowserOptions = BROWSER_RUN,
): Promise<VerificationBrowserReturnType> {
  await ensureBuilt()
  const started = performance.now()
  const netns = process.env.IG_NETNS === '1'
  const gateway = await startGateway({
    appDir: 'dist',
    args: [
      '--operator-token',
      BENCH_OPERATOR_TOKEN,
      '--log-level',
      'warn',
      '--p2p-listen',
      netns ? '/ip4/0.0.0.0/tcp/0/ws,/ip4/0.0.0.0/udp/0/webrtc-direct' : '/ip4/127.0.0.1/tcp/0/ws',
    ],
  })
  const browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs() })
  const tamperers: TamperingWorker[] = []
  try {
    const url = gateway.url
    const errors: string[] = []
    const tabs = await Promise.all(
      Array.from({ length: options.tabs }, async (_, i) => {
        const page = await (await browser.newContext()).newPage()
        page.on('pageerror', (e) => errors.push(e.message))
        const privateKey = TEST_WALLET_KEYS[i]
        if (!privateKey) throw new Error(`no test wallet key for tab ${i}`)
        const wallet = await contributeWithWallet({ page, url, privateKey })
        const transport = (await page.getByTestId('connection-type').textContent()) ?? '?'
        return { page, wallet, transport }
      }),
    )
    const transport = [...new Set(tabs.map((t) => t.transport))].join(', ')
    console.error(`bench: verification: ${tabs.length} tabs contributing over ${transport}`)
    for (let w = 0; w < options.tamperingWorkers; w++)
      tamperers.push(
        await startTamperingWorker({
          url,
          tamperRate: options.tamperRate,
          seed: options.seed * 1000 + 100 + w,
        }),
      )

    const apiKey = await createBenchApiKey(url)
    const model = (await findModel(url, 'silero-vad-v5')).id
    const random = xorshift32(options.seed + 7)
    const inputs = Array.from({ length: options.jobs }, () => sileroInputs(random))
    const ids: string[] = []
    for (let i = 0; i < inputs.length; i += 1000)
      ids.push(...(await submitBatch(url, apiKey, model, inputs.slice(i, i + 1000))))
    const outcome = await readAdversarialOutcome({
      url,
      operatorToken: BENCH_OPERATOR_TOKEN,
      apiKey,
      jobIds: ids,
      honest: tabs.map((t) => t.wallet.address),
      tamperers: tamperers.map((t) => ({ wallet: t.wallet, tampered: t.tampered })),
    })
    const wallMs = performance.now() - started
    if (errors.length > 0) console.error(`bench: verification: page errors: ${errors.join(' | ')}`)
    const tamperedReturned = tamperers.reduce((n, t) => n + t.tampered.size, 0)
    console.error(
      `bench: verification: tamperers' results by decision/method: ${JSON.stringify(outcome.tamperersByMethod)}`,
    )
    const text = formatBrowserRun({
      options,
      outcome,
      transport,
      tamperedReturned,
      wallMs,
      chromium: browser.version(),
    })
    return { outcome, transport, tamperedReturned, wallMs, text }
  } finally {
    for (const tamperer of tamperers) await tamperer.stop().catch(() => undefined)
    await browser.close()
    await gateway.stop()
  }
}

function formatBrowserRun(run: {
  options: VerificationBrowserOptions
  outcome: AdversarialOutcome
  transport: string
  tamperedReturned: number
  wallMs: number
  chromium: string
}): string {
  const { options, outcome: o } = run
  const credited = o.honestCredit.reduce((n, h) => n + h.credited, 0n)
  const owed = o.honestCredit.reduce((n, h) => n + h.owed, 0n)
  const backends = Object.entries(o.honestBackends)
    .map(([backend, n]) => `${n} ${backend}`)
    .join(', ')
  return [
    `### Chromium tabs: ${options.tabs} honest tabs (Chromium ${run.chromium}, WASM, each its own wallet, over ${run.transport}) and ${options.tamperingWorkers} Node workers falsifying ${options.tamperRate * 100}% of their results, real gateway process, default policy`,
    '',
    table(
      [
        'jobs',
        'completed once',
        'worker results',
        're-runs (honest+tamperers checked)',
        'extra runs',
        're-run time / worker time',
        'tampered (returned/accepted)',
        'caught',
        'unchecked',
        'judged valid',
        'tamperers suspended',
        'credit to tampered results verified/pending µ',
        'honest credited/owed µ',
        'honest results (backend)',
        'honest judged invalid',
        'jobs answered wrong',
        'wall s',
      ],
      [
        [
          String(o.jobs),
          String(o.completedOnce),
          String(o.workerResults),
          `${o.reRuns} (${o.spotChecked.honest}+${o.spotChecked.tamperers})`,
          `${fmt(o.extraRunsPct, 1)}%`,
          `${fmt((100 * o.reRunMs) / Math.max(1e-9, o.workerInferenceMs), 1)}%`,
          `${run.tamperedReturned}/${o.tampered}`,
          String(o.tamperedCaught),
          String(o.tamperedUnchecked),
          String(o.tamperedValid),
          `${o.suspendedTamperers}/${options.tamperingWorkers}`,
          `${o.tamperedCredit.verified}/${o.tamperedCredit.pending}`,
          `${credited}/${owed}`,
          backends,
          String(o.honestInvalid),
          String(o.jobsAnsweredWrong),
          fmt(run.wallMs / 1000, 1),
        ],
      ],
    ),
    '',
    'Read over HTTP once no job, wallet or re-run was still moving: job views (receipts and their decisions), GET /v1/ledger/:wallet and entries.csv (operator token), /metrics (inference_grid_spot_check_run_seconds: spot-checks and rechecks on onnxruntime-node). extra runs = (re-runs + worker results beyond one per job) / jobs. Credit is read before the 1-day holdback ends: unchecked results are pending; honest credited = verified + pending worker credit, owed = 70% of the price of every honest result not judged invalid. tampered returned/accepted: results the tamperers falsified / those the gateway accepted (a suspension ends the session: results held then are refused). Worker time: inferenceMs of the results that stand (tabs: onnxruntime-web WASM; tamperers: onnxruntime-node).',
    '',
  ].join('\n')
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { text } = await runVerificationBrowser()
  console.log(text)
}
