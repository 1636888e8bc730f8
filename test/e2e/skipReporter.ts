import type { Reporter, TestCase, TestResult } from '@playwright/test/reporter'

/** Prints every skipped test with its reason at the end, so a skip is never silent. */
export default class SkipReporter implements Reporter {
  private readonly skipped: { title: string; reason: string }[] = []

  onTestEnd(test: TestCase, result: TestResult): void {
    if (result.status !== 'skipped') return
    const reason =
      test.annotations.find((a) => a.type === 'skip' || a.type === 'fixme')?.description ??
      'no reason given'
    this.skipped.push({ title: test.titlePath().slice(1).join(' > '), reason })
  }

  onEnd(): void {
    if (this.skipped.length === 0) return
    console.log(`\n${this.skipped.length} test(s) skipped:`)
    for (const { title, reason } of this.skipped) console.log(`  - ${title}\n      why: ${reason}`)
  }
}
