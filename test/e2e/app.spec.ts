import { expect, test } from './fixtures.ts'

test.describe('contributor page', () => {
  test('default: the gateway serves the app, cross-origin isolated, with live status', async ({
    page,
    consoleErrors,
  }) => {
    const response = await page.goto('/')
    expect(response?.status()).toBe(200)
    expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin')
    expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp')
    await expect(page).toHaveTitle('Inference Grid')
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Inference Grid')
    // Isolation is what lets onnxruntime-web use threads: check the page really got it.
    expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true)
    await expect(page.getByTestId('gateway-status')).toHaveText('ok')
    await expect(page.getByTestId('wasm-threads')).toContainText('cross-origin isolated')
    // Launched without --enable-unsafe-webgpu there is no adapter: the page must say WASM.
    await expect(page.getByTestId('webgpu')).toContainText('no WebGPU adapter')
    await expect(page.getByTestId('backend-choice')).toContainText('running on WASM')
    expect(consoleErrors).toEqual([])
  })

  test('behavior: a client route (/dashboard) falls back to the app', async ({ page }) => {
    const response = await page.goto('/dashboard')
    expect(response?.status()).toBe(200)
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Inference Grid')
  })

  test('behavior: /healthz and /metrics answer for operators', async ({ request }) => {
    const health = await request.get('/healthz')
    expect(health.status()).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', db: 'ok' })
    const metrics = await request.get('/metrics')
    expect(metrics.status()).toBe(200)
    expect(metrics.headers()['content-type']).toContain('text/plain')
    const text = await metrics.text()
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m)
    expect(text).toMatch(/^process_cpu_seconds_total \d/m)
  })
})
