import { defineConfig } from '@playwright/test'
import { chromiumArgs, chromiumPath } from './test/fixtures/chromium.ts'

// Browser tests run in Debian's Chromium (never a Playwright browser download). The gateway is
// started per worker by the fixtures in test/e2e/fixtures.ts, on a free port in a temp data dir.
// WebRTC specs are tagged @netns: test/run-e2e.sh runs them inside a private network namespace.
export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list'], ['./test/e2e/skipReporter.ts']],
  outputDir: 'test-results',
  use: { browserName: 'chromium', headless: true, trace: 'retain-on-failure' },
  projects: [
    {
      name: 'chromium',
      testIgnore: '**/*.webgpu.spec.ts',
      use: { launchOptions: { executablePath: chromiumPath(), args: chromiumArgs() } },
    },
    {
      // SwiftShader WebGPU is correct but 40-100x slower than WASM here: keep these specs few.
      name: 'chromium-webgpu',
      testMatch: '**/*.webgpu.spec.ts',
      use: {
        launchOptions: { executablePath: chromiumPath(), args: chromiumArgs({ webgpu: true }) },
      },
    },
  ],
})
