import { describe, expect, test } from 'vitest'
import { parseWidgetOptions } from '../../src/widget/parseWidgetOptions.ts'
import { validatePartner } from '../../src/widget/validatePartner.ts'

const partner = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
const base = {
  scriptOrigin: 'https://grid.example',
  defaultPosition: 'bottom-right',
  pageLang: 'en',
} as const

function errorOf(run: () => unknown) {
  try {
    run()
  } catch (error) {
    const { code, shortMessage } = error as { code: string; shortMessage: string }
    return { code, shortMessage }
  }
  throw new Error('did not throw')
}

describe('validatePartner', () => {
  test('default: a checksummed address passes unchanged', () => {
    expect(validatePartner(partner)).toBe(partner)
    expect(validatePartner(` ${partner} `)).toBe(partner)
  })

  test('error: one character in the wrong case fails the checksum', () => {
    const typo = partner.replace('C51812', 'c51812')
    expect(errorOf(() => validatePartner(typo))).toMatchInlineSnapshot(`
      {
        "code": "WIDGET_INVALID_PARTNER",
        "shortMessage": "Inference Grid widget: the partner address "0x70997970c51812dc3A010C7d01b50e0d17dc79C8" fails its EIP-55 checksum: a character is wrong. Copy your address from your wallet into data-partner (mixed case, EIP-55); the widget stays off until then.",
      }
    `)
  })

  test('error: all lower or upper case carries no checksum', () => {
    expect(errorOf(() => validatePartner(partner.toLowerCase())).shortMessage).toContain(
      'has no checksum (it is all one case).',
    )
    expect(errorOf(() => validatePartner(`0x${partner.slice(2).toUpperCase()}`)).code).toBe(
      'WIDGET_INVALID_PARTNER',
    )
  })

  test('error: not an address at all', () => {
    for (const bad of [undefined, null, '', '0x123', 42, `${partner}00`])
      expect(errorOf(() => validatePartner(bad)).shortMessage).toContain(
        'is not an Ethereum address (0x and 40 hex digits).',
      )
  })
})

describe('parseWidgetOptions', () => {
  test('default: defaults, the gateway from where the script came', () => {
    expect(parseWidgetOptions({ ...base, input: { partner } })).toEqual({
      partner,
      theme: 'auto',
      position: 'bottom-right',
      lang: 'en',
      maxDownloadMb: 64,
      gateway: 'https://grid.example',
    })
  })

  test('behavior: data-* strings are read; the page language picks the text', () => {
    expect(
      parseWidgetOptions({
        ...base,
        pageLang: 'fr-CA',
        input: {
          partner,
          theme: 'dark',
          position: 'inline',
          maxDownloadMb: '20',
          gateway: 'http://127.0.0.1:8700/x',
        },
      }),
    ).toMatchObject({
      theme: 'dark',
      position: 'inline',
      lang: 'fr',
      maxDownloadMb: 20,
      gateway: 'http://127.0.0.1:8700',
    })
    expect(parseWidgetOptions({ ...base, pageLang: 'ja', input: { partner } }).lang).toBe('en')
    expect(parseWidgetOptions({ ...base, input: { partner, lang: 'de' } }).lang).toBe('de')
  })

  test('error: each bad option is named', () => {
    expect(
      errorOf(() => parseWidgetOptions({ ...base, input: { partner, position: 'top' } })),
    ).toMatchInlineSnapshot(`
      {
        "code": "WIDGET_INVALID_OPTION",
        "shortMessage": "Inference Grid widget: position "top" is not accepted; use bottom-right, bottom-left, inline. The widget stays off until it is fixed.",
      }
    `)
    for (const maxDownloadMb of ['0', '1.5', 'lots', 2000])
      expect(
        errorOf(() => parseWidgetOptions({ ...base, input: { partner, maxDownloadMb } }))
          .shortMessage,
      ).toContain('max-download-mb')
    expect(
      errorOf(() => parseWidgetOptions({ ...base, input: { partner, lang: 'xx' } })).code,
    ).toBe('WIDGET_INVALID_OPTION')
    expect(
      errorOf(() => parseWidgetOptions({ ...base, scriptOrigin: undefined, input: { partner } }))
        .shortMessage,
    ).toContain('gateway')
    expect(
      errorOf(() =>
        parseWidgetOptions({ ...base, input: { partner, gateway: 'javascript:alert(1)' } }),
      ).code,
    ).toBe('WIDGET_INVALID_OPTION')
  })
})
