import { describe, expect, test } from 'vitest'
import { readEmbedParameters } from '../../src/ui/embed/readEmbedParameters.ts'

const partner = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const origin = 'https://news.example'
const search = (fields: Record<string, string>) => `?${new URLSearchParams(fields)}`

function codeOf(run: () => unknown) {
  try {
    run()
  } catch (error) {
    return `${(error as { code: string }).code}: ${(error as { shortMessage: string }).shortMessage}`
  }
  throw new Error('did not throw')
}

describe('readEmbedParameters', () => {
  test('default: what the widget wrote, the cap in bytes', () => {
    expect(
      readEmbedParameters({
        search: search({ partner, origin, cap: '8', theme: 'dark' }),
        framed: true,
        ancestorOrigins: [origin],
      }),
    ).toEqual({ partner, parentOrigin: origin, maxDownloadBytes: 8 * 1024 * 1024, theme: 'dark' })
  })

  test('behavior: without ancestorOrigins (Firefox) the URL origin is used; defaults', () => {
    expect(
      readEmbedParameters({
        search: search({ partner, origin }),
        framed: true,
        ancestorOrigins: undefined,
      }),
    ).toEqual({
      partner,
      parentOrigin: origin,
      maxDownloadBytes: 64 * 1024 * 1024,
      theme: 'auto',
    })
  })

  test('error: a parent that is not the origin the URL names', () => {
    expect(
      codeOf(() =>
        readEmbedParameters({
          search: search({ partner, origin }),
          framed: true,
          ancestorOrigins: ['https://evil.example'],
        }),
      ),
    ).toBe(
      'WIDGET_NOT_EMBEDDED: The page that framed this one is https://evil.example, not https://news.example as its URL says; nothing runs.',
    )
  })

  test('error: not framed, or no usable origin', () => {
    expect(
      codeOf(() =>
        readEmbedParameters({
          search: search({ partner, origin }),
          framed: false,
          ancestorOrigins: [],
        }),
      ),
    ).toMatch(/^WIDGET_NOT_EMBEDDED/)
    for (const bad of ['', 'null', 'https://news.example/path', '*'])
      expect(
        codeOf(() =>
          readEmbedParameters({
            search: search({ partner, origin: bad }),
            framed: true,
            ancestorOrigins: undefined,
          }),
        ),
      ).toMatch(/^WIDGET_NOT_EMBEDDED/)
  })

  test('error: partner without a valid checksum, cap out of range', () => {
    for (const bad of [partner.toLowerCase(), partner.replace('C51812', 'c51812'), '', '0x1'])
      expect(
        codeOf(() =>
          readEmbedParameters({
            search: search({ partner: bad, origin }),
            framed: true,
            ancestorOrigins: undefined,
          }),
        ),
      ).toMatch(/^WIDGET_INVALID_PARTNER/)
    for (const cap of ['0', '2048', '1.5', 'x'])
      expect(
        codeOf(() =>
          readEmbedParameters({
            search: search({ partner, origin, cap }),
            framed: true,
            ancestorOrigins: undefined,
          }),
        ),
      ).toMatch(/^WIDGET_INVALID_OPTION/)
  })
})
