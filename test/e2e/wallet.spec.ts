// The contributor page with a wallet: the EIP-6963 test wallet (a viem key in Node that really
// signs and counts prompts), the real gateway, a Chromium tab over WebRTC-Direct. Connect, Start,
// 100 jobs: exactly one signature for the whole session, every result verified and recorded under
// the wallet (read back through Sign-In with Ethereum). A reload reuses the stored session key
// (still one signature); a wallet switch stops earning under the old wallet. @netns for WebRTC.
import type { Page } from '@playwright/test'
import { createSiweMessage } from 'viem/siwe'
import { type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { installTestWallet, TEST_WALLET_KEYS, type TestWallet } from '../fixtures/testWallet.ts'
import { testModels } from '../worker/engineModels.ts'
import { isOrtWarning } from './engineHarness.ts'
import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'

const OPERATOR_TOKEN = 'wallet-spec-operator-token'
const TEST_WALLET_RDNS = 'dev.inference-grid.testwallet'

type JobView = {
  id: string
  status: string
  error: { code: string; message: string } | null
  results: { worker: { peerId: string; wallet: string | null } }[]
}

test.describe('wallet: one signature per session @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  let gateway: StartedGateway
  let auth: Record<string, string>
  test.beforeAll(async () => {
    gateway = await startGateway({
      appDir: 'dist',
      args: [
        '--operator-token',
        OPERATOR_TOKEN,
        '--p2p-listen',
        '/ip4/0.0.0.0/tcp/0/ws,/ip4/0.0.0.0/udp/0/webrtc-direct',
      ],
    })
    const response = await fetch(new URL('/v1/operator/api-keys', gateway.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${OPERATOR_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'wallet-spec', ratePerSecond: 1000, burst: 1000 }),
    })
    const { secret } = (await response.json()) as { secret: string }
    auth = { authorization: `Bearer ${secret}` }
  })
  test.afterAll(async () => {
    await gateway?.stop()
  })

  async function submitSileroJobs(count: number, seed: number): Promise<string[]> {
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')
    return Promise.all(
      Array.from({ length: count }, async (_, i) => {
        const inputs = testModels.silero.makeInputs({ samples: 512 }, seed + i)
        const response = await fetch(new URL('/v1/jobs', gateway.url), {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({
            model: testModels.silero.name,
            inputs: Object.fromEntries(
              Object.entries(inputs).map(([name, t]) => [
                name,
                { dtype: t.dtype, dims: t.dims, data: b64(t.data) },
              ]),
            ),
          }),
        })
        expect(response.status, await response.clone().text()).toBe(202)
        return ((await response.json()) as { id: string }).id
      }),
    )
  }

  async function settled(ids: string[]): Promise<JobView[]> {
    return Promise.all(
      ids.map(async (id) => {
        for (let i = 0; i < 9; i++) {
          const response = await fetch(new URL(`/v1/jobs/${id}?wait=20`, gateway.url), {
            headers: auth,
          })
          const view = (await response.json()) as JobView
          if (['completed', 'failed', 'cancelled'].includes(view.status)) return view
        }
        throw new Error(`job ${id} did not settle`)
      }),
    )
  }

  /** Reads the wallet's private earnings the way its dashboard would: SIWE, then the API. */
  async function earningsOf(
    wallet: TestWallet,
  ): Promise<{ verifiedResults: number; recentSessions: { keyType: string }[] }> {
    const url = new URL(gateway.url)
    const { nonce } = (await (await fetch(new URL('/v1/auth/nonce', url))).json()) as {
      nonce: string
    }
    const message = createSiweMessage({
      address: wallet.address,
      chainId: wallet.chainId,
      domain: url.host,
      uri: url.origin,
      version: '1',
      nonce,
      issuedAt: new Date(),
    })
    // Signed in Node with the same key, outside the page: not a prompt of the tab's session.
    const signature = await wallet.account.signMessage({ message })
    const signIn = await fetch(new URL('/v1/auth/verify', url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message, signature }),
    })
    expect(signIn.status, await signIn.clone().text()).toBe(200)
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
    const earnings = await fetch(new URL('/v1/earnings', url), { headers: { cookie } })
    return (await earnings.json()) as Awaited<ReturnType<typeof earningsOf>>
  }

  async function rejectedResults(): Promise<number> {
    const text = await (await fetch(new URL('/metrics', gateway.url))).text()
    return text
      .split('\n')
      .filter((line) => line.startsWith('inference_grid_results_rejected_total{'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0)
  }

  async function start(page: Page): Promise<void> {
    await page.getByTestId('contribute-toggle').click()
    await expect(page.getByTestId('contributor-state')).toHaveText('connected', { timeout: 60_000 })
  }

  test('default: connect, 100 jobs, one signature, every result verified under the wallet', async ({
    browser,
  }) => {
    test.setTimeout(240_000)
    const context = await browser.newContext()
    const page = await context.newPage()
    const errors: string[] = []
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    page.on('pageerror', (e) => errors.push(e.message))
    const wallet = await installTestWallet(page)

    await page.goto(gateway.url)
    await expect(page.getByTestId('contributor-identity')).toContainText('earns nothing')
    await page.getByTestId(`wallet-connect-${TEST_WALLET_RDNS}`).click()
    await expect(page.getByTestId('wallet-address')).toHaveAttribute('title', wallet.address)
    expect(wallet.prompts).toEqual({ connect: 1, signatures: 0, transactions: 0 })

    await start(page)
    await expect(page.getByTestId('contributor-identity')).toContainText('earning for')
    expect(wallet.prompts.signatures).toBe(1)
    await expect(page.getByTestId('connection-type')).toHaveText('WebRTC-Direct')

    const startedAt = performance.now()
    const views = await settled(await submitSileroJobs(100, 1000))
    const elapsedS = (performance.now() - startedAt) / 1000
    for (const view of views) {
      expect(view.status, JSON.stringify(view.error)).toBe('completed')
      expect(view.results).toHaveLength(1)
      expect(view.results[0]?.worker.wallet).toBe(wallet.address)
    }
    expect(wallet.prompts.signatures).toBe(1)
    const earnings = await earningsOf(wallet)
    expect(earnings.verifiedResults).toBe(100)
    expect(await rejectedResults()).toBe(0)
    console.log(
      `[wallet] 100 jobs in ${elapsedS.toFixed(1)} s; session key ${earnings.recentSessions[0]?.keyType}; wallet prompts: ${JSON.stringify(wallet.prompts)}; signature requests: ${wallet.requests.filter((r) => r.method === 'eth_signTypedData_v4').length}`,
    )

    // A reload within the delegation's lifetime: wagmi reconnects, the key comes from IndexedDB.
    await page.reload()
    await expect(page.getByTestId('wallet-address')).toHaveAttribute('title', wallet.address)
    await start(page)
    const more = await settled(await submitSileroJobs(10, 5000))
    expect(more.every((v) => v.results[0]?.worker.wallet === wallet.address)).toBe(true)
    expect(wallet.prompts.signatures).toBe(1)
    expect((await earningsOf(wallet)).verifiedResults).toBe(110)

    // A wallet switch stops the tab: nothing more is earned under the old wallet.
    await wallet.switchAccount(TEST_WALLET_KEYS[1])
    await expect(page.getByTestId('wallet-notice')).toContainText('stopped earning')
    await expect(page.getByTestId('contributor-state')).toHaveText('stopped')
    expect(errors.filter((e) => !isOrtWarning(e))).toEqual([])
    await context.close()
  })

  test('error: a rejected signature leaves the tab stopped with a sentence to act on', async ({
    browser,
  }) => {
    const context = await browser.newContext()
    const page = await context.newPage()
    const wallet = await installTestWallet(page, { privateKey: TEST_WALLET_KEYS[2] })
    wallet.setRejectMethods(['eth_signTypedData_v4'])
    await page.goto(gateway.url)
    await page.getByTestId(`wallet-connect-${TEST_WALLET_RDNS}`).click()
    await expect(page.getByTestId('wallet-address')).toHaveAttribute('title', wallet.address)
    await page.getByTestId('contribute-toggle').click()
    await expect(page.getByRole('alert')).toContainText(
      'The wallet declined to sign the delegation',
    )
    await expect(page.getByTestId('contribute-toggle')).toHaveText('Start')
    expect(wallet.prompts.signatures).toBe(1)
    await context.close()
  })
})
