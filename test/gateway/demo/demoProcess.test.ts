import { afterEach, describe, expect, test } from 'vitest'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import { type StartedGateway, startGateway } from '../../fixtures/startGateway.ts'
import { runNode, type TestModelName } from '../../worker/engineModels.ts'
import { eventually } from '../jobNetworkHarness.ts'

/**
 * The demo requester's switch, end to end through the real gateway process (main.ts): the test
 * fixture passes --no-demo (tests count jobs), `--demo` turns it back on as an operator's
 * `npm start` has it, and a simulated worker over libp2p WebSocket running the real models with
 * onnxruntime-node then gets sample jobs without anyone submitting.
 */

const testNames: Record<string, TestModelName> = {
  'silero-vad-v5': 'silero',
  'ppocr-v4-det': 'det',
  'ppocr-v4-rec': 'rec',
  'ppocr-mobile-v2-cls': 'cls',
}

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined)
})

type NetworkInfo = { multiaddrs: string[]; chainId: number }

async function attachWorker(gateway: StartedGateway): Promise<SimulatedWorker> {
  const network = (await (await fetch(new URL('v1/network', gateway.url))).json()) as NetworkInfo
  const models = (await (await fetch(new URL('v1/models', gateway.url))).json()) as {
    models: { id: string; name: string }[]
  }
  const nameOf = new Map(models.models.map((m) => [m.id, m.name]))
  const worker = await startSimulatedWorker({
    gateway: network.multiaddrs,
    chainId: network.chainId,
    slots: 2,
    run: async (job) => {
      const model = testNames[nameOf.get(job.modelId) ?? '']
      if (!model) throw new Error(`unknown model ${job.modelId}`)
      return { outputs: await runNode(model, job.inputs), backend: 'wasm', inferenceMs: 1 }
    },
  })
  cleanups.push(() => worker.stop())
  return worker
}

const metricsOf = async (gateway: StartedGateway) =>
  (await fetch(new URL('metrics', gateway.url))).text()

const accepted = (events: SimulatedWorker['events']) =>
  events.filter((e) => e.type === 'ack' && e.ack.accepted).length

describe('demo requester switch (gateway process)', () => {
  test('args: --demo: an idle grid with one worker runs sample jobs, counted in /metrics', async () => {
    const gateway = await startGateway({
      args: ['--demo', '--demo-rate', '20', '--log-level', 'debug'],
      timeoutMs: 60_000,
    })
    cleanups.push(() => gateway.stop())
    expect(gateway.logs()).toContain('demo requester on')
    const worker = await attachWorker(gateway)
    await worker.waitFor((events) => accepted(events) >= 8, 60_000)
    const metrics = await metricsOf(gateway)
    const completed = [
      ...metrics.matchAll(/^inference_grid_demo_jobs_completed_total\{[^}]*\} (\d+)$/gm),
    ].reduce((sum, match) => sum + Number(match[1]), 0)
    expect(completed).toBeGreaterThanOrEqual(1)
    expect(gateway.logs()).toMatch(/"msg":"demo: rec read '[1-9]+'"/)
  }, 120_000)

  test('args: --no-demo (the fixture default): no demo requester, no job for the worker', async () => {
    const gateway = await startGateway({
      env: { INFERENCE_GRID_DEMO: 'on' },
      timeoutMs: 60_000,
    })
    cleanups.push(() => gateway.stop())
    const worker = await attachWorker(gateway)
    await eventually(
      async () => /^inference_grid_workers_connected 1$/m.test(await metricsOf(gateway)),
      { what: 'the worker to say hello' },
    )
    const metrics = await metricsOf(gateway)
    // The counters exist from the moment a demo requester is built: none was.
    expect(metrics).not.toContain('inference_grid_demo_jobs')
    expect(metrics).toMatch(/^inference_grid_jobs_submitted_total 0$/m)
    expect(worker.events.filter((e) => e.type === 'assigned')).toEqual([])
    expect(gateway.logs()).not.toContain('demo requester on')
  }, 120_000)
})
