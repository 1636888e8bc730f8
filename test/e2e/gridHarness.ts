// Shared by the specs where tabs contribute to a real gateway: the requester side (API key,
// submit, long-poll), the comparison of outputs with onnxruntime-node under each model's policy
// from its manifest, Start on the contributor page (with a test wallet connected), and for the
// fault specs the exact check of the ledger and the one line of figures each of them prints.
import type { Page } from '@playwright/test'
import { compareOutputs } from '../../src/protocol/models/compareOutputs.ts'
import type { ModelManifest } from '../../src/protocol/models/ModelManifest.ts'
import { parseManifest } from '../../src/protocol/models/parseManifest.ts'
import type { Tensor, TensorMap } from '../../src/protocol/tensor/Tensor.ts'
import type { ConsoleHandle } from '../../src/ui/contributor/installConsoleHandle.ts'
import { TEST_WALLET_RDNS } from '../fixtures/contributeWithWallet.ts'
import { installTestWallet, TEST_WALLET_KEYS, type TestWallet } from '../fixtures/testWallet.ts'
import { runNode, type TestModelName, testModels } from '../worker/engineModels.ts'
import { expect } from './fixtures.ts'

export type JobSpec = { model: TestModelName; inputs: TensorMap }

export type JobView = {
  id: string
  status: string
  attempts: number
  createdAt: string
  finishedAt: string | null
  error: { code: string; message: string } | null
  results: {
    outputs: Record<string, { dtype: Tensor['dtype']; dims: number[]; data: string }>
    backend: string
    worker: { peerId: string; wallet: string | null }
    inferenceMs: number
    totalMs: number
  }[]
  verification: { level: string; price: string }
  /** Every result the gateway accepted, with the verifier's decision on it. */
  receipts: {
    leaseId: number
    worker: { peerId: string; wallet: string | null; sessionKey: string }
    decision: 'valid' | 'invalid' | 'unchecked' | 'pending'
    method: string | null
  }[]
}

/** The page's `inferenceGrid` console handle (src/ui/contributor/installConsoleHandle.ts). */
export type GridGlobal = { inferenceGrid: ConsoleHandle }

/** Distinct inputs: `counts` jobs per model, seeds offset so no two jobs are equal. */
export function jobSpecs(counts: Partial<Record<'silero' | 'cls' | 'rec', number>>): JobSpec[] {
  const jobs: JobSpec[] = []
  for (let i = 0; i < (counts.silero ?? 0); i++)
    jobs.push({ model: 'silero', inputs: testModels.silero.makeInputs({ samples: 512 }, 100 + i) })
  for (let i = 0; i < (counts.cls ?? 0); i++)
    jobs.push({
      model: 'cls',
      inputs: testModels.cls.makeInputs({ height: 48, width: 192 }, 10_000 + i),
    })
  for (let i = 0; i < (counts.rec ?? 0); i++)
    jobs.push({
      model: 'rec',
      inputs: testModels.rec.makeInputs({ height: 48, width: 320 }, 20_000 + i),
    })
  return jobs
}

export async function createApiKey(url: string, operatorToken: string): Promise<string> {
  const response = await fetch(new URL('/v1/operator/api-keys', url), {
    method: 'POST',
    headers: { authorization: `Bearer ${operatorToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'e2e-requester', ratePerSecond: 1000, burst: 1000 }),
  })
  expect(response.status).toBe(201)
  return ((await response.json()) as { secret: string }).secret
}

export async function submitJobs(url: string, apiKey: string, specs: JobSpec[]): Promise<string[]> {
  return Promise.all(
    specs.map(async (spec) => {
      const response = await fetch(new URL('/v1/jobs', url), {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          model: testModels[spec.model].name,
          inputs: Object.fromEntries(
            Object.entries(spec.inputs).map(([name, t]) => [
              name,
              { dtype: t.dtype, dims: t.dims, data: Buffer.from(t.data).toString('base64') },
            ]),
          ),
        }),
      })
      expect(response.status, await response.clone().text()).toBe(202)
      return ((await response.json()) as { id: string }).id
    }),
  )
}

/** Long-polls each job until it settles; `url()` is asked at each poll (the gateway may move). */
export async function waitJobs(
  url: () => string,
  apiKey: string,
  ids: string[],
  timeoutMs = 120_000,
): Promise<JobView[]> {
  const deadline = Date.now() + timeoutMs
  return Promise.all(
    ids.map(async (id) => {
      while (Date.now() < deadline) {
        const response = await fetch(new URL(`/v1/jobs/${id}?wait=20`, url()), {
          headers: { authorization: `Bearer ${apiKey}` },
        }).catch(() => undefined)
        if (!response?.ok) {
          // The gateway is restarting: ask again shortly.
          await new Promise((resolve) => setTimeout(resolve, 250))
          continue
        }
        const view = (await response.json()) as JobView
        if (['completed', 'failed', 'cancelled'].includes(view.status)) return view
      }
      throw new Error(`job ${id} did not settle in ${timeoutMs} ms`)
    }),
  )
}

/** Each model's manifest (its comparison policies), by test model name. */
export async function loadManifests(url: string): Promise<Map<TestModelName, ModelManifest>> {
  const listing = (await (await fetch(new URL('/v1/models', url))).json()) as {
    models: { id: string; name: string }[]
  }
  const manifests = new Map<TestModelName, ModelManifest>()
  for (const model of Object.keys(testModels) as TestModelName[]) {
    const id = listing.models.find((m) => m.name === testModels[model].name)?.id
    if (!id) continue
    const response = await fetch(new URL(`/v1/models/${id}`, url))
    manifests.set(model, parseManifest(await response.json()))
  }
  return manifests
}

/**
 * Every job completed exactly once, with one result, on WASM, whose outputs match
 * onnxruntime-node's under the model's comparison policy.
 */
export async function expectCompletedLikeNode(
  specs: JobSpec[],
  views: JobView[],
  manifests: Map<TestModelName, ModelManifest>,
): Promise<void> {
  const references = await Promise.all(specs.map((s) => runNode(s.model, s.inputs)))
  expect(views).toHaveLength(specs.length)
  for (const [i, view] of views.entries()) {
    const spec = specs[i]
    if (!spec) throw new Error('no spec')
    expect(view.status, JSON.stringify(view.error)).toBe('completed')
    expect(view.results).toHaveLength(1)
    const result = view.results[0]
    expect(result?.backend).toBe('wasm')
    const manifest = manifests.get(spec.model)
    expect(manifest, spec.model).toBeDefined()
    for (const [name, policy] of Object.entries(manifest?.comparison ?? {})) {
      const expected = references[i]?.[name]
      const got = result?.outputs[name]
      if (!expected || !got) throw new Error(`${spec.model}: no ${name}`)
      const actual: Tensor = {
        dtype: got.dtype,
        dims: got.dims,
        data: new Uint8Array(Buffer.from(got.data, 'base64')),
      }
      const verdict = compareOutputs(policy, expected, actual)
      expect(verdict.ok, `${spec.model} #${i} ${name}: ${verdict.detail}`).toBe(true)
    }
  }
}

/**
 * Opens the contributor page and presses Start; with `wallet` (installed on the page before), it
 * connects that wallet first, so the tab's session is delegated by it and its results earn for it.
 */
export async function startContributing(
  page: Page,
  url: string,
  wallet?: TestWallet,
): Promise<void> {
  await page.goto(url)
  if (wallet) {
    await page.getByTestId(`wallet-connect-${TEST_WALLET_RDNS}`).click()
    await expect(page.getByTestId('wallet-address')).toHaveAttribute('title', wallet.address, {
      timeout: 30_000,
    })
  }
  await page.getByTestId('contribute-toggle').click()
  // Generous: the tab self-tests every model the gateway serves (PP-OCR det included) first.
  await expect(page.getByTestId('contributor-state')).toHaveText('connected', { timeout: 120_000 })
}

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0

/** A contributing tab, the wallet it earns for, and its libp2p peer id (what results name). */
export type GridTab = { page: Page; wallet: TestWallet; peerId: string }

/** Each page its own EIP-6963 test wallet (TEST_WALLET_KEYS in order), before it loads. */
export async function installWallets(pages: readonly Page[]): Promise<TestWallet[]> {
  if (pages.length > TEST_WALLET_KEYS.length)
    throw new Error(`At most ${TEST_WALLET_KEYS.length} tabs: one test wallet each.`)
  return Promise.all(
    pages.map((page, i) => installTestWallet(page, { privateKey: TEST_WALLET_KEYS[i] })),
  )
}

/** The tab's peer id from its own status, once it is contributing. */
export async function gridTab(page: Page, wallet: TestWallet): Promise<GridTab> {
  const peerId = await page.evaluate(
    () => (globalThis as unknown as GridGlobal).inferenceGrid.status().network?.peerId,
  )
  if (!peerId) throw new Error('The tab has no peer id: it is not contributing.')
  return { page, wallet, peerId }
}

/**
 * The usual start of a grid spec: the pages' errors collected, an API key, the manifests, and
 * every page contributing for its own test wallet.
 */
export async function setUpGrid(
  url: string,
  operatorToken: string,
  pages: readonly Page[],
): Promise<{
  apiKey: string
  manifests: Map<TestModelName, ModelManifest>
  errors: string[]
  tabs: GridTab[]
}> {
  const errors: string[] = []
  for (const page of pages) page.on('pageerror', (e) => errors.push(e.message))
  const wallets = await installWallets(pages)
  const apiKey = await createApiKey(url, operatorToken)
  const manifests = await loadManifests(url)
  await Promise.all(pages.map((page, i) => startContributing(page, url, wallets[i])))
  const tabs = await Promise.all(pages.map((page, i) => gridTab(page, wallets[i] as TestWallet)))
  return { apiKey, manifests, errors, tabs }
}

/** The card's "Jobs done": results the gateway acknowledged to this tab. */
export const jobsDone = async (page: Page) =>
  Number(await page.getByTestId('jobs-done').textContent())

/**
 * Polls the tab's status until it holds at least one job and returns their ids: the fault specs
 * strike right after, so that the fault strands jobs.
 */
export async function awaitHeldJobs(page: Page): Promise<string[]> {
  let held: string[] = []
  await expect
    .poll(
      async () => {
        held = await heldJobs(page)
        return held.length
      },
      { timeout: 30_000, intervals: [5] },
    )
    .toBeGreaterThan(0)
  return held
}

/** The ids of the jobs the tab holds now, from its own status (the console handle). */
export const heldJobs = (page: Page): Promise<string[]> =>
  page.evaluate(
    () => (globalThis as unknown as GridGlobal).inferenceGrid.status().network?.currentJobs ?? [],
  )

// ---- Credits: the fault specs' check of the ledger, and their line of figures ----

/**
 * The credit terms the fault specs start their gateways with (`creditArgs`): a price and a
 * worker share other than the defaults, so the check also proves the ledger uses the flags; and
 * a holdback (1 day) far longer than any spec, so the buckets are deterministic while the spec
 * reads them: credit of a spot-checked result is `verified`, of an unchecked (not sampled) one
 * `pending`, and no release timer moves either. Spot-checks keep the default policy (every
 * result of a wallet's first 10, then a decaying sample), so both buckets hold credit and the
 * check covers their sum as well as each result's bucket.
 */
export const CREDIT_TERMS = { jobPrice: 1500n, workerShareBps: 6000n, holdbackS: 86_400 } as const
export const creditArgs: readonly string[] = [
  '--job-price',
  String(CREDIT_TERMS.jobPrice),
  '--worker-share-bps',
  String(CREDIT_TERMS.workerShareBps),
  '--credit-holdback-s',
  String(CREDIT_TERMS.holdbackS),
]
/** Micro-credits one accepted result earns the wallet that delivered it (no partner here). */
export const workerCredit = (CREDIT_TERMS.jobPrice * CREDIT_TERMS.workerShareBps) / 10_000n
/** The network's fee for it: the rest of the price. */
export const networkCredit = CREDIT_TERMS.jobPrice - workerCredit

export type LedgerEntry = {
  id: string
  account: string
  role: string
  bucket: 'verified' | 'pending'
  amount: bigint
  jobId: string
  leaseId: number
  decision: string
  /** The entry this one reverses (a correction), if any. */
  reverses: string | null
}

/** RFC 4180 as ledgerCsv writes it: CRLF lines, double quotes around fields that need them. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"'
        i++
      } else if (c === '"') quoted = false
      else field += c
    } else if (c === '"') quoted = true
    else if (c === ',') {
      row.push(field)
      field = ''
    } else if (c === '\n') {
      row.push(field.replace(/\r$/, ''))
      rows.push(row)
      row = []
      field = ''
    } else field += c
  }
  return rows
}

/** Every entry of an account (a wallet or `network`): its entries.csv, with the operator token. */
export async function readLedgerEntries(
  url: string,
  operatorToken: string,
  account: string,
): Promise<LedgerEntry[]> {
  const response = await fetch(new URL(`/v1/ledger/${account}/entries.csv`, url), {
    headers: { authorization: `Bearer ${operatorToken}` },
  })
  expect(response.status, await response.clone().text()).toBe(200)
  const [header, ...rows] = parseCsv(await response.text())
  const column = (name: string) => {
    const index = header?.indexOf(name) ?? -1
    if (index < 0) throw new Error(`entries.csv has no ${name} column`)
    return index
  }
  const at = {
    id: column('entry_id'),
    account: column('account'),
    role: column('role'),
    bucket: column('bucket'),
    amount: column('amount_micro'),
    jobId: column('job_id'),
    leaseId: column('result_lease_id'),
    decision: column('decision'),
    reverses: column('reverses_entry_id'),
  }
  return rows.map((row) => ({
    id: row[at.id] ?? '',
    account: row[at.account] ?? '',
    role: row[at.role] ?? '',
    bucket: row[at.bucket] === 'verified' ? 'verified' : 'pending',
    amount: BigInt(row[at.amount] ?? 'x'),
    jobId: row[at.jobId] ?? '',
    leaseId: Number(row[at.leaseId]),
    decision: row[at.decision] ?? '',
    reverses: row[at.reverses] || null,
  }))
}

type LedgerSummaryView = {
  balances: { verified: string; pending: string }
  byRole: { role: string; verified: string; pending: string }[]
  awaitingVerification: number
}

const readLedgerSummary = async (url: string, operatorToken: string, account: string) => {
  const response = await fetch(new URL(`/v1/ledger/${account}`, url), {
    headers: { authorization: `Bearer ${operatorToken}` },
  })
  expect(response.status, await response.clone().text()).toBe(200)
  return (await response.json()) as LedgerSummaryView
}

export type ReadCreditsParameters = {
  /** Asked at each request (the gateway may have moved). */
  url: () => string
  operatorToken: string
  apiKey: string
  ids: readonly string[]
  /** Every tab that ran, closed ones too: results name their peer, credit goes to its wallet. */
  tabs: readonly Pick<GridTab, 'wallet' | 'peerId'>[]
  /** For every verdict; default 60 s. */
  timeoutMs?: number
}

export type CreditTally = {
  jobs: number
  completed: number
  /** Jobs not completed. */
  lost: number
  /** Results accepted beyond the first of a job (a job completed twice). */
  duplicates: number
  /** completed x the worker's share. */
  expected: bigint
  /** Worker credit of the tabs' wallets (their entries.csv, corrections included), per bucket. */
  found: { verified: bigint; pending: bigint }
  /** The network's fee, both buckets. */
  network: bigint
  /** Results the gateway refused (its counter since it last started): they must earn nothing. */
  refused: number
  /** Every worker entry of the tabs' wallets (to compare across a crash). */
  entries: LedgerEntry[]
  /** Each way the ledger disagrees with the jobs, in words; empty when it is exact. */
  problems: string[]
  /** The job views after every verdict, in `ids` order. */
  views: JobView[]
  /** Seconds readCredits took: waiting for the last verdicts, and reading jobs and ledger. */
  readS: number
}

const same = (a: string | null | undefined, b: string | null | undefined) =>
  !!a && !!b && a.toLowerCase() === b.toLowerCase()

/**
 * Waits until the verifier decided every accepted result (no tab's wallet awaiting a verdict,
 * every receipt decided), then compares the ledger with the jobs, result by result:
 * - each job completed with exactly one accepted result, at the configured price;
 * - the result's wallet, as the gateway recorded it, is the wallet of the tab whose peer
 *   delivered it;
 * - that wallet holds exactly one standing worker entry for that result (lease), of
 *   `workerCredit`, in the bucket its decision implies (spot-checked: verified; unchecked:
 *   pending), and no other wallet holds any; the network holds exactly its fee for it;
 * - no entry, in any tab's wallet or the network's, names a result that was not accepted
 *   (refused, stale, or found invalid);
 * - the totals (entries.csv and GET /v1/ledger/:wallet agree) are completed x the share.
 * It asserts nothing: the caller prints the figures first (`faultReport`), then
 * `expectCreditsExact`.
 */
export async function readCredits(parameters: ReadCreditsParameters): Promise<CreditTally> {
  const { url, operatorToken, apiKey, ids, tabs } = parameters
  const wallets = tabs.map((t) => t.wallet.address)
  const startedAt = performance.now()
  const deadline = Date.now() + (parameters.timeoutMs ?? 60_000)
  const problems: string[] = []

  let views: JobView[] = []
  for (;;) {
    let awaiting = 0
    for (const wallet of wallets)
      awaiting += (await readLedgerSummary(url(), operatorToken, wallet)).awaitingVerification
    if (awaiting === 0) {
      views = await fetchViews(url(), apiKey, ids)
      const undecided = views.filter(
        (v) =>
          v.verification.level === 'pending' || v.receipts.some((r) => r.decision === 'pending'),
      )
      if (undecided.length === 0) break
      if (Date.now() > deadline) {
        problems.push(`${undecided.length} jobs still have results awaiting a verdict`)
        break
      }
    } else if (Date.now() > deadline) {
      problems.push(`${awaiting} results of the tabs' wallets still await a verdict`)
      views = await fetchViews(url(), apiKey, ids)
      break
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }

  const walletOfPeer = new Map(tabs.map((t) => [t.peerId, t.wallet.address]))
  const workerEntries = (
    await Promise.all(wallets.map((w) => readLedgerEntries(url(), operatorToken, w)))
  ).flat()
  const networkEntries = await readLedgerEntries(url(), operatorToken, 'network')
  const group = (entries: LedgerEntry[]) => {
    const byLease = new Map<number, LedgerEntry[]>()
    for (const e of entries) byLease.set(e.leaseId, [...(byLease.get(e.leaseId) ?? []), e])
    return byLease
  }
  const workerByLease = group(workerEntries.filter((e) => e.role === 'worker'))
  const networkByLease = group(networkEntries.filter((e) => e.role === 'network'))
  for (const e of workerEntries.filter((e) => e.role !== 'worker'))
    problems.push(`entry ${e.id}: a tab's wallet holds a ${e.role} entry`)

  /** Net amount, and the entries that stand (neither a reversal nor reversed). */
  const standing = (entries: LedgerEntry[]) => {
    const reversed = new Set(entries.map((e) => e.reverses).filter((r) => r !== null))
    return {
      net: entries.reduce((sum, e) => sum + e.amount, 0n),
      live: entries.filter((e) => e.reverses === null && !reversed.has(e.id)),
    }
  }

  let completed = 0
  let duplicates = 0
  const accepted = new Set<number>()
  for (const [i, view] of views.entries()) {
    const id = ids[i]
    if (view.status === 'completed') completed++
    else problems.push(`job ${id} is ${view.status}`)
    if (view.verification.price !== String(CREDIT_TERMS.jobPrice))
      problems.push(`job ${id} has price ${view.verification.price}, not ${CREDIT_TERMS.jobPrice}`)
    const results = view.receipts.filter((r) => r.decision !== 'invalid')
    duplicates += Math.max(0, results.length - 1)
    if (view.status === 'completed' && results.length !== 1)
      problems.push(`job ${id} has ${results.length} accepted results`)
    for (const receipt of results) {
      const lease = receipt.leaseId
      accepted.add(lease)
      const deliverer = walletOfPeer.get(receipt.worker.peerId)
      if (!deliverer)
        problems.push(`lease ${lease}: delivered by ${receipt.worker.peerId}, not one of the tabs`)
      else if (!same(receipt.worker.wallet, deliverer))
        problems.push(
          `lease ${lease}: delivered by the tab of ${deliverer}, recorded for ${receipt.worker.wallet}`,
        )
      const bucket = receipt.decision === 'valid' ? 'verified' : 'pending'
      const worker = workerByLease.get(lease) ?? []
      const w = standing(worker)
      if (w.net !== workerCredit || w.live.length !== 1)
        problems.push(
          `lease ${lease} (job ${id}): worker credit ${w.net} µ in ${w.live.length} standing entries, not ${workerCredit} µ in one`,
        )
      for (const e of worker)
        if (!same(e.account, deliverer))
          problems.push(`lease ${lease}: entry ${e.id} credits ${e.account}, not ${deliverer}`)
      if (w.live[0] && w.live[0].bucket !== bucket)
        problems.push(
          `lease ${lease}: ${receipt.decision} (${receipt.method}) but credited ${w.live[0].bucket}`,
        )
      const n = standing(networkByLease.get(lease) ?? [])
      if (n.net !== networkCredit || n.live.length !== 1 || n.live[0]?.bucket !== bucket)
        problems.push(
          `lease ${lease}: network fee ${n.net} µ in ${n.live.length} standing entries, not ${networkCredit} µ in one ${bucket}`,
        )
    }
  }
  for (const [lease, entries] of [...workerByLease, ...networkByLease])
    if (!accepted.has(lease))
      problems.push(
        `lease ${lease} (job ${entries[0]?.jobId}) is not an accepted result but has ${entries.length} entries`,
      )

  const sum = (bucket: LedgerEntry['bucket']) =>
    workerEntries
      .filter((e) => e.role === 'worker' && e.bucket === bucket)
      .reduce((total, e) => total + e.amount, 0n)
  const found = { verified: sum('verified'), pending: sum('pending') }
  // The summary route sums the same table: it must agree with the entries, wallet by wallet.
  for (const wallet of wallets) {
    const summary = await readLedgerSummary(url(), operatorToken, wallet)
    const mine = workerEntries.filter((e) => same(e.account, wallet))
    const total = (b: LedgerEntry['bucket']) =>
      mine.filter((e) => e.bucket === b).reduce((t, e) => t + e.amount, 0n)
    if (
      summary.balances.verified !== String(total('verified')) ||
      summary.balances.pending !== String(total('pending'))
    )
      problems.push(
        `${wallet}: GET /v1/ledger says ${JSON.stringify(summary.balances)}, entries.csv ${total('verified')} + ${total('pending')}`,
      )
  }
  const metrics = await (await fetch(new URL('/metrics', url()))).text()
  const refused = metrics
    .split('\n')
    .filter((l) => l.startsWith('inference_grid_results_rejected_total'))
    .reduce((total, l) => total + Number(l.split(' ').at(-1)), 0)

  return {
    jobs: ids.length,
    completed,
    lost: ids.length - completed,
    duplicates,
    expected: BigInt(completed) * workerCredit,
    found,
    network: networkEntries.reduce((total, e) => total + e.amount, 0n),
    refused,
    entries: workerEntries,
    problems,
    views,
    readS: (performance.now() - startedAt) / 1000,
  }
}

/** The job views without long-polling, a few at a time (rec outputs are about 1 MB each). */
async function fetchViews(url: string, apiKey: string, ids: readonly string[]): Promise<JobView[]> {
  const views: JobView[] = new Array(ids.length)
  let next = 0
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < ids.length) {
        const i = next++
        const response = await fetch(new URL(`/v1/jobs/${ids[i]}`, url), {
          headers: { authorization: `Bearer ${apiKey}` },
        })
        expect(response.status).toBe(200)
        views[i] = (await response.json()) as JobView
      }
    }),
  )
  return views
}

/** 0 jobs lost or completed twice, and the ledger exact (see readCredits). */
export function expectCreditsExact(tally: CreditTally): void {
  expect(tally.problems).toEqual([])
  expect(tally.lost).toBe(0)
  expect(tally.duplicates).toBe(0)
  expect(tally.found.verified + tally.found.pending).toBe(tally.expected)
  expect(tally.network).toBe(BigInt(tally.completed) * networkCredit)
  // Both buckets in use: some results were spot-checked, and (past probation) some were not.
  expect(tally.found.verified).toBeGreaterThan(0n)
}

export type FaultReportParameters = {
  /** The spec's tag in the line, e.g. 'restart'. */
  name: string
  tally: CreditTally
  /** When the fault happened (Date.now(); the gateway's finishedAt uses the same clock). */
  faultAt: number
  /** The jobs the faulted tab held at that moment (read from its status just before it). */
  heldIds: readonly string[]
}

export type FaultFigures = {
  /** Seconds from the fault to the first job completed after it. */
  firstJobS: number | undefined
  /** Seconds from the fault until the last job it stranded completed (see faultReport). */
  strandedDoneS: number | undefined
}

/**
 * The one line of figures every fault spec prints, in one format:
 * `[faults] <name>: jobs, completed, lost, duplicates, credits expected / found (verified +
 * pending), network fee, results refused; recovery: first job completed, and every job the fault
 * stranded done (held by the tab then and not completed before it, or leased again), in seconds
 * after the fault`.
 */
export function faultReport(parameters: FaultReportParameters): FaultFigures {
  const { name, tally, faultAt, heldIds } = parameters
  const finished = new Map(
    tally.views.map((v) => [v.id, v.finishedAt === null ? undefined : Date.parse(v.finishedAt)]),
  )
  const after = [...finished.values()].filter((t): t is number => t !== undefined && t > faultAt)
  const firstJobS = after.length > 0 ? (Math.min(...after) - faultAt) / 1000 : undefined
  // Stranded by the fault: what the tab held then (a result it sent between the read of its
  // status and the fault is not), and what was leased again after it (a lease the fault cut).
  const held = new Set(heldIds)
  const stranded = tally.views.filter((v) => {
    const at = finished.get(v.id)
    return (held.has(v.id) || v.attempts > 1) && (at === undefined || at > faultAt)
  })
  const strandedAt = stranded.map((v) => finished.get(v.id))
  const strandedDoneS =
    stranded.length > 0 && strandedAt.every((t) => t !== undefined)
      ? (Math.max(...(strandedAt as number[])) - faultAt) / 1000
      : undefined
  const s = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(1)} s`)
  const { found } = tally
  console.log(
    `[faults] ${name}: jobs ${tally.jobs}, completed ${tally.completed}, lost ${tally.lost}, duplicates ${tally.duplicates}; worker credits expected ${tally.expected} µ, found ${found.verified + found.pending} µ (verified ${found.verified} + pending ${found.pending}), network ${tally.network} µ; results refused ${tally.refused}; ledger problems ${tally.problems.length} (read in ${tally.readS.toFixed(1)} s); recovery: first job completed ${s(firstJobS)} after the fault, the ${stranded.length} jobs it stranded (held by the tab then: ${heldIds.length}, leased again: ${tally.views.filter((v) => v.attempts > 1).length}) done ${s(strandedDoneS)} after it`,
  )
  return { firstJobS, strandedDoneS }
}
