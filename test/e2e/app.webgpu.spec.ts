// Runs in the chromium-webgpu project (playwright.config.ts): Chromium with a SwiftShader adapter.
import { expect, test } from './fixtures.ts'

test.describe('contributor page with WebGPU', () => {
  test('behavior: the device card names the adapter (SwiftShader here)', async ({ page }) => {
    await page.goto('/')
    const webgpu = page.getByTestId('webgpu')
    await expect(webgpu).not.toContainText('unavailable')
    await expect(webgpu).toContainText('swiftshader')
    await expect(webgpu).toContainText('software fallback')
  })
})
