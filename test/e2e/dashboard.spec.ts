// The earnings dashboard with real ledger entries: the gateway process, two Node grid workers
// (real libp2p, real onnxruntime-node compute of Silero VAD and PP-OCR cls, results signed by
// session keys; one delegated by the test wallet, one anonymous, both brought by a partner), real
// spot-checks and SQLite. Then, in Chromium with the EIP-6963 test wallet: connect, Sign-In with
// Ethereum, balances equal to the ledger's, every receipt once across pages, a filter, the CSV
// download against the ledger, and the partner's referrals. Not @netns: workers use WebSocket.
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import type { Page } from '@playwright/test'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import type {
  LedgerEntriesPage,
  LedgerEntryView,
  LedgerSummary,
  ReferralsView,
} from '../../src/protocol/ledger/ledgerViews.ts'
import { formatCredits } from '../../src/ui/dashboard/formatCredits.ts'
import { repoRoot, type StartedGateway, startGateway } from '../fixtures/startGateway.ts'
import { type OrtWalletWorker, startOrtWalletWorker } from '../fixtures/startOrtWalletWorker.ts'
import { installTestWallet, TEST_WALLET_KEYS } from '../fixtures/testWallet.ts'
import { testModels } from '../worker/engineModels.ts'
import { expect, test } from './fixtures.ts'

const OPERATOR_TOKEN = 'dashboard-spec-operator-token'
const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` }
const TEST_WALLET_RDNS = 'dev.inference-grid.testwallet'
const contributor = privateKeyToAccount(TEST_WALLET_KEYS[0]).address
const partner = privateKeyToAccount(TEST_WALLET_KEYS[1]).address
const SCREENSHOTS = path.join(repoRoot, 'test-results', 'screenshots')

test.describe('dashboard: earnings a wallet can check against the ledger', () => {
  let gateway: StartedGateway
  const workers: OrtWalletWorker[] = []
  /** The spec's requester API key. */
  let secret = ''

  test.beforeAll(async () => {
    test.setTimeout(120_000)
    gateway = await startGateway({
      appDir: 'dist',
      args: [
        '--operator-token',
        OPERATOR_TOKEN,
        // A short probation and no floor: the first results are checked (verified), later ones
        // mostly accepted unchecked (pending), so both kinds of receipt exist.
        '--spot-check-probation',
        '3',
        '--spot-check-floor',
        '0',
      ],
    })
    const key = await fetch(new URL('/v1/operator/api-keys', gateway.url), {
      method: 'POST',
      headers: { ...operator, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'dashboard-spec', ratePerSecond: 1000, burst: 1000 }),
    })
    secret = ((await key.json()) as { secret: string }).secret
    workers.push(
      await startOrtWalletWorker({
        url: gateway.url,
        privateKey: TEST_WALLET_KEYS[0],
        partner,
        slots: 4,
      }),
      await startOrtWalletWorker({ url: gateway.url, partner, slots: 1 }),
    )
    const jobs = [
      ...Array.from({ length: 22 }, (_, i) => ({
        model: testModels.silero,
        inputs: testModels.silero.makeInputs({ samples: 512 }, 100 + i),
      })),
      ...Array.from({ length: 10 }, (_, i) => ({
        model: testModels.cls,
        inputs: testModels.cls.makeInputs({ height: 48, width: 192 }, 200 + i),
      })),
    ]
    const ids = await Promise.all(jobs.map(({ model, inputs }) => submitJob(model.name, inputs)))
    // Every job completed and its verification decided: the ledger has all its entries.
    for (const id of ids) {
      for (let i = 0; ; i++) {
        const response = await fetch(new URL(`/v1/jobs/${id}?wait=10`, gateway.url), {
          headers: { authorization: `Bearer ${secret}` },
        })
        const view = (await response.json()) as {
          status: string
          verification?: { level: string }
        }
        if (view.status === 'completed' && view.verification?.level !== 'pending') break
        expect(view.status, `job ${id}`).not.toMatch(/failed|cancelled/)
        expect(i, `job ${id} did not settle`).toBeLessThan(20)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
    for (const worker of workers.splice(0)) await worker.stop()
  })

  test.afterAll(async () => {
    for (const worker of workers) await worker.stop()
    await gateway?.stop()
  })

  /** One job through the requester API (JSON, base64 tensors); its id. */
  async function submitJob(
    model: string,
    inputs: Record<string, { dtype: string; dims: readonly number[]; data: Uint8Array }>,
  ): Promise<string> {
    const response = await fetch(new URL('/v1/jobs', gateway.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model,
        inputs: Object.fromEntries(
          Object.entries(inputs).map(([name, t]) => [
            name,
            { dtype: t.dtype, dims: t.dims, data: Buffer.from(t.data).toString('base64') },
          ]),
        ),
      }),
    })
    expect(response.status, await response.clone().text()).toBe(202)
    return ((await response.json()) as { id: string }).id
  }

  async function ledger<T>(route: string): Promise<T> {
    const response = await fetch(new URL(route, gateway.url), { headers: operator })
    expect(response.status, await response.clone().text()).toBe(200)
    return (await response.json()) as T
  }

  async function allEntries(wallet: string, filter = ''): Promise<LedgerEntryView[]> {
    return (await ledger<LedgerEntriesPage>(`/v1/ledger/${wallet}/entries?limit=500${filter}`))
      .entries
  }

  /** Connect the test wallet on /dashboard and sign in (one personal_sign). */
  async function signIn(page: Page): Promise<void> {
    await page.goto(new URL('/dashboard', gateway.url).href)
    const dash = page.locator('.dash')
    await expect(dash.getByTestId('dash-sign-in')).toBeDisabled()
    await dash.getByTestId(`wallet-connect-${TEST_WALLET_RDNS}`).click()
    await dash.getByTestId('dash-sign-in').click()
    await expect(dash.getByTestId('signed-in-as')).toBeVisible()
  }

  async function downloadCsv(page: Page): Promise<Record<string, string>[]> {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('.dash').getByTestId('export-csv').click(),
    ])
    const text = await readFile(await download.path(), 'utf8')
    const [header = '', ...lines] = text.trimEnd().split('\r\n')
    const names = header.split(',')
    return lines.map((line) => {
      // No field of these entries needs quoting (hex, numbers, words and colons).
      const fields = line.split(',')
      expect(fields).toHaveLength(names.length)
      return Object.fromEntries(names.map((name, i) => [name, fields[i] ?? '']))
    })
  }

  async function visibleEntryIds(page: Page): Promise<string[]> {
    return page
      .locator('.dash [data-testid="receipts"] tbody tr')
      .evaluateAll((rows) => rows.map((row) => row.getAttribute('data-entry-id') ?? ''))
  }

  test('default: sign in, balances as the ledger says, every receipt once, a filter, CSV', async ({
    page,
  }) => {
    const wallet = await installTestWallet(page, { privateKey: TEST_WALLET_KEYS[0] })
    await signIn(page)
    expect(wallet.prompts).toEqual({ connect: 1, signatures: 1, transactions: 0 })
    const dash = page.locator('.dash')
    await expect(dash.getByTestId('signed-in-as')).toContainText(contributor)

    const summary = await ledger<LedgerSummary>(`/v1/ledger/${contributor}`)
    expect(BigInt(summary.balances.verified)).toBeGreaterThan(0n)
    for (const bucket of ['verified', 'pending'] as const) {
      const balance = dash.getByTestId(`balance-${bucket}`)
      await expect(balance).toHaveAttribute('data-micro', summary.balances[bucket])
      await expect(balance).toHaveText(`${formatCredits(summary.balances[bucket])} credits`)
    }
    await expect(dash.getByTestId('standing')).toContainText('Good standing')
    await expect(dash.getByTestId('standing-valid')).toHaveText(String(summary.standing?.valid))
    await expect(dash.getByTestId('earnings-chart').locator('canvas')).toBeVisible()

    // Page through the receipts (10 a page): each ledger entry exactly once, newest first.
    const entries = await allEntries(contributor)
    expect(entries.length).toBeGreaterThan(10)
    const seen: string[] = []
    for (let pageNo = 1; ; pageNo++) {
      await expect(dash.getByTestId('receipts-summary')).toContainText(`Page ${pageNo} of`)
      seen.push(...(await visibleEntryIds(page)))
      const older = dash.getByTestId('page-older')
      if (await older.isDisabled()) break
      await older.click()
    }
    expect(seen).toEqual(entries.map((entry) => entry.id))
    await mkdir(SCREENSHOTS, { recursive: true })
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-desktop.png'), fullPage: true })
    await page.setViewportSize({ width: 390, height: 844 })
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-phone.png'), fullPage: true })
    await page.setViewportSize({ width: 1280, height: 900 })

    // Filter: verified receipts only; the table and the CSV hold exactly the ledger's.
    await dash.getByTestId('filter-decision').selectOption('valid')
    const valid = await allEntries(contributor, '&decision=valid')
    expect(valid.length).toBeGreaterThan(0)
    await expect(dash.getByTestId('receipts-summary')).toContainText(
      `${valid.length} receipts match`,
    )
    await dash.getByTestId('page-size').selectOption('100')
    await expect(dash.locator('[data-testid="receipts"] tbody tr')).toHaveCount(valid.length)
    expect(await visibleEntryIds(page)).toEqual(valid.map((entry) => entry.id))
    const filteredCsv = await downloadCsv(page)
    expect(filteredCsv.map((row) => row.entry_id).reverse()).toEqual(valid.map((e) => e.id))

    // The unfiltered CSV: every row is a ledger entry with its amount, job and signature.
    await dash.getByRole('button', { name: 'Clear filters' }).click()
    const csv = await downloadCsv(page)
    expect(csv).toHaveLength(entries.length)
    const byId = new Map(entries.map((entry) => [entry.id, entry]))
    for (const row of csv) {
      const entry = byId.get(row.entry_id ?? '')
      expect(entry, `CSV row ${row.entry_id}`).toBeDefined()
      expect(row).toMatchObject({
        account: contributor,
        role: entry?.role,
        bucket: entry?.bucket,
        amount_micro: entry?.amount,
        job_id: entry?.jobId,
        signature: entry?.signature,
        decision: `${entry?.decision}/${entry?.method}`,
      })
    }
    const sum = (bucket: string) =>
      csv.filter((r) => r.bucket === bucket).reduce((s, r) => s + BigInt(r.amount_micro ?? 0), 0n)
    expect(String(sum('verified'))).toBe(summary.balances.verified)
    expect(String(sum('pending'))).toBe(summary.balances.pending)
  })

  test('behavior: the partner sees its referral earnings, by day and by referred contributor', async ({
    page,
  }) => {
    await installTestWallet(page, { privateKey: TEST_WALLET_KEYS[1] })
    await signIn(page)
    const dash = page.locator('.dash')
    const referrals = await ledger<ReferralsView>(`/v1/ledger/${partner}/referrals`)
    expect(referrals.totals.sources).toBe(2)
    const card = dash.getByTestId('referrals')
    await expect(card.getByTestId('referrals-verified')).toHaveAttribute(
      'data-micro',
      referrals.totals.verified,
    )
    await expect(card.getByTestId('referrals-pending')).toHaveAttribute(
      'data-micro',
      referrals.totals.pending,
    )
    const rows = card.locator('[data-testid="referral-sources"] tbody tr')
    await expect(rows).toHaveCount(2)
    await expect(rows.filter({ hasText: 'connected' })).toHaveCount(1)
    await expect(rows.filter({ hasText: 'anonymous' })).toHaveCount(1)
    // Pseudonyms, never the referred wallet.
    await expect(card).not.toContainText(contributor.slice(2, 12))
    const summary = await ledger<LedgerSummary>(`/v1/ledger/${partner}`)
    await expect(dash.getByTestId('balance-verified')).toHaveAttribute(
      'data-micro',
      summary.balances.verified,
    )
    // Receipts: the partner share, each naming its referred contributor.
    await dash.getByTestId('filter-role').selectOption('partner')
    const partnerEntries = await allEntries(partner, '&role=partner')
    await expect(dash.getByTestId('receipts-summary')).toContainText(
      `${partnerEntries.length} receipts match`,
    )
    await expect(dash.locator('[data-testid="receipts"] tbody tr').first()).toContainText(
      'contributor-',
    )
    await mkdir(SCREENSHOTS, { recursive: true })
    await page.screenshot({ path: path.join(SCREENSHOTS, 'dashboard-partner.png'), fullPage: true })
  })

  test('behavior: balances follow the ledger live: new earnings appear without Refresh', async ({
    page,
  }) => {
    test.setTimeout(120_000)
    // A fresh wallet of its own: the other tests' wallets keep their figures.
    const key = generatePrivateKey()
    const address = privateKeyToAccount(key).address
    await installTestWallet(page, { privateKey: key })
    await signIn(page)
    const dash = page.locator('.dash')
    await expect(dash.getByTestId('balance-pending')).toHaveAttribute('data-micro', '0')
    await expect(dash.getByTestId('dash-updated')).toContainText('Live: updated')
    // This wallet earns while the page is open: a Node worker delegated by it runs 3 jobs.
    const worker = await startOrtWalletWorker({ url: gateway.url, privateKey: key, slots: 2 })
    workers.push(worker)
    for (let i = 0; i < 3; i++)
      await submitJob(
        testModels.silero.name,
        testModels.silero.makeInputs({ samples: 512 }, 900 + i),
      )
    // Nobody presses Refresh: the balances refetch on their own (every 15 s while visible) and
    // end equal to the ledger's once all 3 results are credited.
    await expect
      .poll(
        async () => {
          const summary = await ledger<LedgerSummary>(`/v1/ledger/${address}`)
          const total = BigInt(summary.balances.verified) + BigInt(summary.balances.pending)
          const shown =
            BigInt((await dash.getByTestId('balance-verified').getAttribute('data-micro')) ?? -1) +
            BigInt((await dash.getByTestId('balance-pending').getAttribute('data-micro')) ?? -1)
          return total > 0n && shown === total && summary.awaitingVerification === 0
        },
        { timeout: 90_000, intervals: [1_000] },
      )
      .toBe(true)
    await worker.stop()
  })

  test('behavior: a declined signature, then a wallet with no earnings: empty states, sign out', async ({
    page,
  }) => {
    const wallet = await installTestWallet(page, {
      privateKey: TEST_WALLET_KEYS[2],
      rejectMethods: ['personal_sign'],
    })
    await page.goto(new URL('/dashboard', gateway.url).href)
    const dash = page.locator('.dash')
    await expect(dash).toContainText('Sign in with the wallet whose earnings you want to see')
    // The person declines the signature: nothing is signed in, and the page says what to do.
    await dash.getByTestId(`wallet-connect-${TEST_WALLET_RDNS}`).click()
    await dash.getByTestId('dash-sign-in').click()
    await expect(dash.getByRole('alert')).toHaveText(
      'The wallet declined to sign the sign-in message. Press Sign in again to retry.',
    )
    expect(await page.evaluate(async () => (await fetch('/v1/auth/session')).status)).toBe(401)
    wallet.setRejectMethods([])
    await dash.getByTestId('dash-sign-in').click()
    await expect(dash.getByTestId('signed-in-as')).toBeVisible()
    await expect(dash.getByTestId('receipts-empty')).toContainText('No receipts yet')
    await expect(dash.getByTestId('standing')).toContainText('No results judged yet')
    await expect(dash.getByTestId('balance-verified')).toHaveText('0 credits')
    await dash.getByTestId('dash-sign-out').click()
    await expect(dash.getByTestId('dash-sign-in')).toBeVisible()
    const session = await page.evaluate(async () => (await fetch('/v1/auth/session')).status)
    expect(session).toBe(401)
  })
})
