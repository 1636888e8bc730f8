// What a new user sees after `npm start`: the gateway runs its demo requester (on by default; the
// test fixture turns it off, so this spec turns it back on), one tab presses Start and its
// "Jobs done" counts the demo's sample jobs, with no requester submitting anything. WebRTC-Direct
// needs the private network namespace of test/run-e2e.sh, hence @netns.
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'

test.describe('the demo requester on a fresh grid @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  let gateway: StartedGateway
  test.beforeAll(async () => {
    gateway = await startGateway({ appDir: 'dist', args: ['--demo', '--demo-rate', '4'] })
  })
  test.afterAll(async () => {
    await gateway?.stop()
  })

  test('default: one tab that presses Start runs sample jobs nobody submitted', async ({
    page,
  }) => {
    test.setTimeout(90_000)
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(gateway.url)
    await page.getByTestId('contribute-toggle').click()
    await expect(page.getByTestId('contributor-state')).toHaveText('connected', { timeout: 40_000 })
    await expect
      .poll(async () => Number(await page.getByTestId('jobs-done').textContent()), {
        timeout: 40_000,
      })
      .toBeGreaterThanOrEqual(4)
    const metrics = await (await fetch(new URL('metrics', gateway.url))).text()
    const completed = [
      ...metrics.matchAll(/^inference_grid_demo_jobs_completed_total\{[^}]*\} (\d+)$/gm),
    ].reduce((sum, match) => sum + Number(match[1]), 0)
    console.log(
      `[demo] jobs done in the tab ${await page.getByTestId('jobs-done').textContent()}; demo jobs read back by the gateway ${completed}`,
    )
    expect(completed).toBeGreaterThanOrEqual(1)
    expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
  })
})
