import { keccak256 } from './keccak256.ts'

/**
 * The EIP-55 form of a 20-byte hex address (`0x` and 40 hex digits, any case): each letter is
 * upper case where the matching nibble of keccak256(lower-case hex) is 8 or more. Returns
 * undefined for anything that is not 0x and 40 hex digits.
 */
export function toChecksumAddress(address: string): string | undefined {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) return undefined
  const hex = address.slice(2).toLowerCase()
  const hash = keccak256(new TextEncoder().encode(hex))
  let out = '0x'
  for (let i = 0; i < 40; i++) {
    const nibble = ((hash[i >> 1] ?? 0) >> (i & 1 ? 0 : 4)) & 0xf
    const char = hex[i] ?? ''
    out += nibble >= 8 ? char.toUpperCase() : char
  }
  return out
}
