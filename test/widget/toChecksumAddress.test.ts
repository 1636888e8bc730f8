import fc from 'fast-check'
import { bytesToHex, getAddress, keccak256 as viemKeccak256 } from 'viem'
import { describe, expect, test } from 'vitest'
import { keccak256 } from '../../src/widget/keccak256.ts'
import { toChecksumAddress } from '../../src/widget/toChecksumAddress.ts'

describe('keccak256', () => {
  test('default: the empty input', () => {
    expect(bytesToHex(keccak256(new Uint8Array()))).toBe(
      '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470',
    )
  })

  test('behavior: agrees with viem on any input, across block boundaries (136 bytes)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 420 }), (bytes) => {
        expect(bytesToHex(keccak256(bytes))).toBe(viemKeccak256(bytes))
      }),
      { numRuns: 300 },
    )
    for (const length of [135, 136, 137, 271, 272, 273])
      expect(bytesToHex(keccak256(new Uint8Array(length).fill(0xab)))).toBe(
        viemKeccak256(new Uint8Array(length).fill(0xab)),
      )
  })
})

describe('toChecksumAddress', () => {
  test('default: the EIP-55 test vectors', () => {
    for (const address of [
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
      '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
      '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb',
    ])
      expect(toChecksumAddress(address.toLowerCase())).toBe(address)
  })

  test('behavior: agrees with viem getAddress on any address', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
        const hex = bytesToHex(bytes)
        expect(toChecksumAddress(hex)).toBe(getAddress(hex))
        expect(toChecksumAddress(hex.toUpperCase().replace('0X', '0x'))).toBe(getAddress(hex))
      }),
      { numRuns: 300 },
    )
  })

  test('error: not 0x and 40 hex digits', () => {
    for (const bad of [
      '',
      '0x',
      '0x123',
      `0x${'g'.repeat(40)}`,
      `${'a'.repeat(42)}`,
      `0x${'a'.repeat(41)}`,
    ])
      expect(toChecksumAddress(bad)).toBeUndefined()
  })
})
