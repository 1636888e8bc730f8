// The network page against a real gateway process: it shows the figures of GET /v1/network/stats
// (which equal /metrics: test/gateway/metrics/networkStatsRoute.test.ts), and they move on their
// own when a worker (a real Node libp2p worker over WebSocket) joins and leaves.
import type { NetworkStats } from '../../src/protocol/network/NetworkStats.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../fixtures/simulatedWorker.ts'
import { expect, test } from './fixtures.ts'

test('default: the page shows the endpoint’s figures and follows a worker joining and leaving', async ({
  page,
  request,
  gateway,
  consoleErrors,
}) => {
  test.setTimeout(120_000)
  const stats = async () => (await (await request.get('/v1/network/stats')).json()) as NetworkStats
  await page.goto('/network')
  await expect(page.getByRole('heading', { level: 2, name: 'Network' })).toBeVisible()

  const before = await stats()
  expect(before.models.length).toBeGreaterThan(0)
  await expect(page.getByTestId('workers-online')).toHaveText(String(before.workers.online))
  await expect(page.getByTestId('queue-depth')).toHaveText(String(before.jobs.queued))
  await expect(page.getByTestId('models-served')).toHaveText(String(before.models.length))
  const rows = page.getByTestId('models-table').locator('tbody tr')
  await expect(rows).toHaveCount(before.models.length)
  for (const [i, model] of before.models.entries()) {
    await expect(rows.nth(i).locator('th')).toHaveText(model.name)
    await expect(rows.nth(i).locator('td')).toHaveText(String(model.workers))
  }
  // /metrics says the same thing the page does.
  const metrics = await (await request.get('/metrics')).text()
  expect(metrics).toMatch(
    new RegExp(`^inference_grid_workers_connected ${before.workers.online}$`, 'm'),
  )
  for (const model of before.models)
    expect(metrics).toContain(
      `inference_grid_model_workers{model="${model.name}"} ${model.workers}`,
    )

  const info = (await (await request.get('/v1/network')).json()) as {
    multiaddrs: string[]
    chainId: number
  }
  let worker: SimulatedWorker | undefined = await startSimulatedWorker({
    gateway: info.multiaddrs,
    chainId: info.chainId,
    slots: 3,
  })
  try {
    // No reload: the page's own refresh brings the new worker in.
    const online = String(before.workers.online + 1)
    await expect(page.getByTestId('workers-online')).toHaveText(online, { timeout: 20_000 })
    await expect(rows.first().locator('td')).toHaveText(
      String((before.models[0]?.workers ?? 0) + 1),
    )
    await expect(page.getByText('3 free job slots')).toBeVisible()
    await expect(page.getByTestId('backends')).toContainText('WASM (CPU)1')
    await worker.stop()
    worker = undefined
    await expect(page.getByTestId('workers-online')).toHaveText(String(before.workers.online), {
      timeout: 20_000,
    })
  } finally {
    await worker?.stop()
  }
  expect(gateway.logs()).not.toContain('network stats sample failed')
  expect(consoleErrors).toEqual([])
})

test('error: when the gateway stops answering, the page says so and keeps the last figures', async ({
  page,
}) => {
  await page.goto('/network')
  await expect(page.getByTestId('workers-online')).toBeVisible()
  await page.route('**/v1/network/stats', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: '{}' }),
  )
  await expect(page.getByTestId('network-error')).toContainText('The gateway answered HTTP 503.', {
    timeout: 20_000,
  })
  await expect(page.getByTestId('network-error')).toContainText('the figures below are the last')
  await expect(page.getByTestId('workers-online')).toBeVisible()
  // It recovers by itself.
  await page.unroute('**/v1/network/stats')
  await expect(page.getByTestId('network-error')).toHaveCount(0, { timeout: 20_000 })
})
