import type { PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { readCookie } from '../../../src/gateway/auth/registerAuthRoutes.ts'
import type { ReadLedgerEntriesReturnType } from '../../../src/gateway/ledger/readLedgerEntries.ts'
import type { LedgerSummary } from '../../../src/gateway/ledger/readLedgerSummary.ts'
import type { ReadReferralsReturnType } from '../../../src/gateway/ledger/readReferrals.ts'
import {
  echoModel,
  fakeReferenceRunner,
  int32Tensor,
  sumModel,
} from '../../fixtures/fakeModelCatalog.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../jobNetworkHarness.ts'

/**
 * The dashboard's ledger routes on the whole in-process gateway: a delegated worker (alice) and an
 * anonymous one, both brought by a partner (carol), answer priced jobs of two models; spot-check
 * sampling alternates (after probation) so entries are both verified and pending. Then
 * GET /v1/ledger/:wallet/entries pages, filters and refuses like the dashboard needs, the CSV
 * takes the same filters, and GET /v1/ledger/:wallet/referrals shows carol her referrals.
 */

const OPERATOR = 'operator-token-for-ledger-entry-tests'
const operator = { authorization: `Bearer ${OPERATOR}` }
let grid: TestJobNetwork
const workers: SimulatedWorker[] = []
const alice = privateKeyToAccount(generatePrivateKey())
const bob = privateKeyToAccount(generatePrivateKey())
const carol = privateKeyToAccount(generatePrivateKey())
let draws = 0

async function runJobs(count: { sum: number; echo: number }, seed: number): Promise<void> {
  const ids = await submitJobs(grid.network, [
    ...Array.from({ length: count.sum }, (_, i) => ({
      model: sumModel.name,
      inputs: { x: { ...int32AsSum(seed + i) } },
      price: 1000n,
    })),
    ...Array.from({ length: count.echo }, (_, i) => ({
      model: echoModel.name,
      inputs: { t: int32Tensor([3], [seed + i, 2, 3]) },
      price: 1000n,
    })),
  ])
  await eventually(
    async () => {
      for (const id of ids)
        if ((await grid.network.scheduler.getJob(id))?.verifiedAt === undefined) return false
      return true
    },
    { what: 'every job verified', timeoutMs: 30_000 },
  )
}

function int32AsSum(i: number) {
  const data = new Float32Array([i, 1, 2, 3])
  return { dtype: 'float32' as const, dims: [1, 4], data: new Uint8Array(data.buffer) }
}

beforeAll(async () => {
  grid = await startJobNetwork({
    http: true,
    operatorToken: OPERATOR,
    reference: fakeReferenceRunner,
    // After probation, every other result is sampled: entries are both verified and pending.
    random: () => (draws++ % 2 === 0 ? 0 : 0.999),
  })
  const { nonce } = await grid.network.nonces.issue(Date.now())
  workers.push(
    await startSimulatedWorker({
      gateway: grid.multiaddrs,
      chainId: TEST_CHAIN_ID,
      wallet: { account: alice, nonce, origin: TEST_ORIGIN },
      partner: carol.address,
      slots: 4,
    }),
    await startSimulatedWorker({
      gateway: grid.multiaddrs,
      chainId: TEST_CHAIN_ID,
      partner: carol.address,
      slots: 4,
    }),
  )
  await runJobs({ sum: 30, echo: 14 }, 0)
}, 60_000)

afterAll(async () => {
  for (const worker of workers) await worker.stop()
  await grid?.stop({ remove: true })
})

async function signIn(account: PrivateKeyAccount): Promise<{ cookie: string }> {
  const nonce = ((await (await fetch(`${grid.baseUrl}/v1/auth/nonce`)).json()) as { nonce: string })
    .nonce
  const message = createSiweMessage({
    address: account.address,
    chainId: TEST_CHAIN_ID,
    domain: new URL(TEST_ORIGIN).host,
    uri: TEST_ORIGIN,
    version: '1',
    nonce,
    issuedAt: new Date(),
  })
  const response = await fetch(`${grid.baseUrl}/v1/auth/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ message, signature: await account.signMessage({ message }) }),
  })
  expect(response.status).toBe(200)
  const token = readCookie((response.headers.get('set-cookie') ?? '').split(';')[0], 'ig_session')
  return { cookie: `ig_session=${token}` }
}

async function page(
  wallet: string,
  query: string,
  headers: Record<string, string> = operator,
): Promise<ReadLedgerEntriesReturnType> {
  const response = await fetch(`${grid.baseUrl}/v1/ledger/${wallet}/entries?${query}`, { headers })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as ReadLedgerEntriesReturnType
}

async function walk(wallet: string, query: string, limit: number, after?: () => Promise<void>) {
  const ids: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const body = await page(wallet, `${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
    expect(body.entries.length).toBeLessThanOrEqual(limit)
    // Totals on a walk's first page only.
    expect(body.matching === null).toBe(cursor !== null)
    ids.push(...body.entries.map((entry) => entry.id))
    cursor = body.nextCursor
    if (pages++ === 0) await after?.()
  } while (cursor)
  return { ids, pages }
}

/** CSV rows as objects by the header's names. */
async function csvRows(wallet: string, query = ''): Promise<Record<string, string>[]> {
  const response = await fetch(`${grid.baseUrl}/v1/ledger/${wallet}/entries.csv?${query}`, {
    headers: operator,
  })
  expect(response.status, await response.clone().text()).toBe(200)
  const [header = '', ...lines] = (await response.text()).trimEnd().split('\r\n')
  const names = header.split(',')
  // No field of these entries needs quoting (reasons without commas are checked here).
  return lines.map((line) => {
    const fields = line.split(',')
    expect(fields).toHaveLength(names.length)
    return Object.fromEntries(names.map((name, i) => [name, fields[i] ?? '']))
  })
}

describe('GET /v1/ledger/:wallet/entries', () => {
  test('default: newest first, with model, backend, verdict and signature', async () => {
    const body = await page(alice.address, '')
    expect(body.entries.length).toBeGreaterThan(0)
    const ids = body.entries.map((entry) => Number(entry.id))
    expect(ids).toEqual([...ids].sort((a, b) => b - a))
    const entry = body.entries[0]
    expect(entry).toMatchObject({
      role: 'worker',
      backend: 'wasm',
      reverses: null,
      referral: null,
    })
    expect([sumModel.name, echoModel.name]).toContain(entry?.modelName)
    expect(entry?.signature).toMatch(/^0x[0-9a-f]+$/)
    expect(['valid', 'unchecked']).toContain(entry?.decision)
  })

  test('behavior: walking the pages visits every entry exactly once, even while entries are appended', async () => {
    const before = (await csvRows(alice.address)).map((row) => row.entry_id)
    expect(before.length).toBeGreaterThan(10)
    const { ids, pages } = await walk(alice.address, '', 7, () =>
      runJobs({ sum: 6, echo: 0 }, 1000),
    )
    expect(pages).toBe(Math.ceil(before.length / 7))
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual([...before].sort())
    // The entries appended during the walk are on a fresh first page, and a new walk has all.
    const after = (await csvRows(alice.address)).map((row) => row.entry_id)
    expect(after.length).toBeGreaterThan(before.length)
    const again = await walk(alice.address, '', 50)
    expect([...again.ids].sort()).toEqual([...after].sort())
    const first = await page(alice.address, 'limit=500')
    expect(first.nextCursor).toBeNull()
    expect(first.matching?.entries).toBe(after.length)
  })

  test('behavior: filters select exactly what the CSV with the same filters holds', async () => {
    const all = await page(alice.address, 'limit=500')
    const today = all.entries[0]?.day ?? ''
    const cases: [string, (e: ReadLedgerEntriesReturnType['entries'][number]) => boolean][] = [
      [`model=${echoModel.name}`, (e) => e.modelId === echoModel.id],
      [`model=${sumModel.id}`, (e) => e.modelId === sumModel.id],
      ['decision=valid', (e) => e.decision === 'valid'],
      ['decision=unchecked', (e) => e.decision === 'unchecked'],
      ['bucket=pending', (e) => e.bucket === 'pending'],
      ['role=worker', (e) => e.role === 'worker'],
      ['role=partner', () => false],
      [`from=${today}&to=${today}`, (e) => e.day === today],
      ['from=2999-01-01', () => false],
      [
        `model=${echoModel.name}&decision=valid`,
        (e) => e.modelId === echoModel.id && e.decision === 'valid',
      ],
    ]
    for (const [query, predicate] of cases) {
      const expected = all.entries.filter(predicate).map((e) => e.id)
      const { ids } = await walk(alice.address, query, 5)
      expect(ids, query).toEqual(expected)
      const rows = await csvRows(alice.address, query)
      expect(rows.map((row) => row.entry_id).reverse(), query).toEqual(expected)
      const body = await page(alice.address, query)
      expect(body.matching?.entries, query).toBe(expected.length)
      expect(BigInt(body.matching?.amount ?? 'x'), query).toBe(
        all.entries.filter(predicate).reduce((sum, e) => sum + BigInt(e.amount), 0n),
      )
    }
    // Both verdicts and both models occur, so the cases above select proper subsets.
    expect(new Set(all.entries.map((e) => e.decision))).toEqual(new Set(['valid', 'unchecked']))
    expect(new Set(all.entries.map((e) => e.modelName))).toEqual(
      new Set([sumModel.name, echoModel.name]),
    )
  })

  test('behavior: the entries add up to the summary’s balances', async () => {
    const summary = (await (
      await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}`, { headers: operator })
    ).json()) as LedgerSummary
    const verified = await page(alice.address, 'bucket=verified')
    const pending = await page(alice.address, 'bucket=pending')
    expect(summary.balances).toEqual({
      verified: verified.matching?.amount,
      pending: pending.matching?.amount,
    })
  })

  test('error: no session is 401, another wallet’s session 403, its own session 200', async () => {
    const none = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}/entries`)
    expect(none.status).toBe(401)
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe(
      'LEDGER_UNAUTHORIZED',
    )
    const bobSession = await signIn(bob)
    const other = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}/entries`, {
      headers: bobSession,
    })
    expect(other.status).toBe(403)
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe('AUTH_FORBIDDEN')
    const referrals = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}/referrals`, {
      headers: bobSession,
    })
    expect(referrals.status).toBe(403)
    const own = await page(alice.address.toLowerCase(), 'limit=3', await signIn(alice))
    expect(own.entries).toHaveLength(3)
  })

  test('error: bad parameters are a typed 400 naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['limit=0', /^Query parameter limit must be a whole number from 1 to 500 \(got "0"\)\.$/],
      ['limit=501', /^Query parameter limit /],
      ['limit=ten', /^Query parameter limit /],
      ['cursor=abc', /^Query parameter cursor must be the `nextCursor` of a previous page/],
      ['cursor=-1', /^Query parameter cursor /],
      [
        'model=no-such-model',
        /^Query parameter model must be a model id .* \(got "no-such-model"\)/,
      ],
      ['decision=invalid', /^Query parameter decision must be one of valid, unchecked/],
      ['role=requester', /^Query parameter role must be one of worker, partner, network/],
      ['bucket=spent', /^Query parameter bucket must be one of verified, pending/],
      ['from=2026-13-01', /^Query parameter from must be a UTC day written YYYY-MM-DD/],
      ['to=2026-02-30', /^Query parameter to must be a UTC day/],
      ['from=2026-05-02&to=2026-05-01', /^Query parameter from \(2026-05-02\) is after to/],
      ['role=worker&role=partner', /^Query parameter role is given more than once/],
      ['sort=asc', /^Query parameter sort is not a parameter of this route/],
    ]
    for (const [query, message] of cases) {
      const response = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}/entries?${query}`, {
        headers: operator,
      })
      expect(response.status, query).toBe(400)
      const { error } = (await response.json()) as { error: { code: string; message: string } }
      expect(error.code, query).toBe('LEDGER_INVALID_QUERY')
      expect(error.message, query).toMatch(message)
    }
    const csv = await fetch(`${grid.baseUrl}/v1/ledger/${alice.address}/entries.csv?limit=5`, {
      headers: operator,
    })
    expect(csv.status).toBe(400)
    expect(((await csv.json()) as { error: { code: string } }).error.code).toBe(
      'LEDGER_INVALID_QUERY',
    )
  })
})

describe('GET /v1/ledger/:wallet/referrals', () => {
  test('default: the partner’s share per day and per referred contributor, by pseudonym', async () => {
    const response = await fetch(`${grid.baseUrl}/v1/ledger/${carol.address}/referrals`, {
      headers: await signIn(carol),
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as ReadReferralsReturnType
    const rows = await csvRows(carol.address, 'role=partner')
    const sum = (bucket: string) =>
      rows.filter((r) => r.bucket === bucket).reduce((s, r) => s + BigInt(r.amount_micro ?? 0), 0n)
    expect(body.totals).toEqual({
      verified: String(sum('verified')),
      pending: String(sum('pending')),
      results: new Set(rows.map((r) => r.result_lease_id)).size,
      sources: 2,
    })
    // Two referred contributors: alice's wallet and the anonymous tab; neither is named.
    expect(body.sources.map((s) => s.kind).sort()).toEqual(['anonymous', 'wallet'])
    for (const source of body.sources) {
      expect(source.source).toMatch(/^contributor-[0-9a-f]{10}$/)
      expect(source.sessions).toBe(1)
    }
    expect(JSON.stringify(body).toLowerCase()).not.toContain(alice.address.toLowerCase().slice(2))
    const walletSource = body.sources.find((s) => s.kind === 'wallet')
    const aliceLeases = new Set((await csvRows(alice.address)).map((r) => r.result_lease_id))
    expect(walletSource?.results).toBe(
      new Set(rows.filter((r) => aliceLeases.has(r.result_lease_id)).map((r) => r.result_lease_id))
        .size,
    )
    expect(body.days.reduce((s, d) => s + BigInt(d.verified) + BigInt(d.pending), 0n)).toBe(
      sum('verified') + sum('pending'),
    )
    // The receipts name the same pseudonyms.
    const entries = await page(carol.address, 'role=partner&limit=500')
    expect(new Set(entries.entries.map((e) => e.referral?.source))).toEqual(
      new Set(body.sources.map((s) => s.source)),
    )
  })
})
