// Shared by the specs where tabs contribute to a real gateway: the requester side (API key,
// submit, long-poll), the comparison of outputs with onnxruntime-node under each model's policy
// from its manifest, and Start on the contributor page.
import type { Page } from '@playwright/test'
import { compareOutputs } from '../../src/protocol/models/compareOutputs.ts'
import type { ModelManifest } from '../../src/protocol/models/ModelManifest.ts'
import { parseManifest } from '../../src/protocol/models/parseManifest.ts'
import type { Tensor, TensorMap } from '../../src/protocol/tensor/Tensor.ts'
import type { ConsoleHandle } from '../../src/ui/contributor/installConsoleHandle.ts'
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
    worker: { peerId: string }
    inferenceMs: number
    totalMs: number
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

export async function startContributing(page: Page, url: string): Promise<void> {
  await page.goto(url)
  await page.getByTestId('contribute-toggle').click()
  // Generous: the tab self-tests every model the gateway serves (PP-OCR det included) first.
  await expect(page.getByTestId('contributor-state')).toHaveText('connected', { timeout: 120_000 })
}

export const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[values.length >> 1] ?? 0

/**
 * The usual start of a grid spec: the pages' errors collected, an API key, the manifests, and
 * every page contributing.
 */
export async function setUpGrid(
  url: string,
  operatorToken: string,
  pages: readonly Page[],
): Promise<{ apiKey: string; manifests: Map<TestModelName, ModelManifest>; errors: string[] }> {
  const errors: string[] = []
  for (const page of pages) page.on('pageerror', (e) => errors.push(e.message))
  const apiKey = await createApiKey(url, operatorToken)
  const manifests = await loadManifests(url)
  await Promise.all(pages.map((page) => startContributing(page, url)))
  return { apiKey, manifests, errors }
}

/** The card's "Jobs done": results the gateway acknowledged to this tab. */
export const jobsDone = async (page: Page) =>
  Number(await page.getByTestId('jobs-done').textContent())

/** Jobs the tab holds now, from its own status (the console handle). */
export const heldJobs = (page: Page) =>
  page.evaluate(
    () =>
      (globalThis as unknown as GridGlobal).inferenceGrid.status().network?.currentJobs.length ?? 0,
  )
