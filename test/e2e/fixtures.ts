/**
 * Playwright fixtures shared by the browser specs: one real gateway process per Playwright
 * worker (free port, temp data dir, the built app from dist/), and the EIP-6963 test wallet.
 */
import { test as base, expect } from '@playwright/test'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { installTestWallet, type TestWallet } from '../fixtures/testWallet.ts'

export type Fixtures = {
  wallet: TestWallet
  /** Console errors the page printed; specs assert none appeared. */
  consoleErrors: string[]
}

export type WorkerFixtures = { gateway: StartedGateway }

export const test = base.extend<Fixtures, WorkerFixtures>({
  gateway: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright reads fixture dependencies from the pattern
    async ({}, use) => {
      const gateway = await startGateway({ appDir: 'dist' })
      await use(gateway)
      await gateway.stop()
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ gateway }, use) => {
    await use(gateway.url)
  },
  wallet: async ({ page }, use) => {
    await use(await installTestWallet(page))
  },
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = []
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text())
    })
    page.on('pageerror', (error) => errors.push(error.message))
    await use(errors)
  },
})

export { expect }

/** True inside the private network namespace that test/run-e2e.sh makes as root. */
export const inNetns = process.env.IG_NETNS === '1'
export const NETNS_SKIP_REASON =
  'needs the private network namespace of test/run-e2e.sh (run the suite as root): Chromium gathers WebRTC candidates only on an interface with a default route'
