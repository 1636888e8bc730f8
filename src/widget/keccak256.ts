/**
 * Keccak-256 (the original Keccak padding Ethereum uses, not SHA3-256), written out because the
 * widget imports no packages and has a 15 KB budget: viem's getAddress would bring its own
 * hashing and encoding code. 64-bit lanes are BigInts: slow per byte, but the widget hashes one
 * 40-byte address once. test/widget/toChecksumAddress.test.ts compares it with viem's keccak256.
 */
const mask64 = (1n << 64n) - 1n
const rotl = (v: bigint, n: number) =>
  n === 0 ? v : ((v << BigInt(n)) | (v >> BigInt(64 - n))) & mask64

/** Round constants, rho rotations and pi lane order, generated as in the Keccak reference. */
const roundConstants: bigint[] = []
const rotations: number[] = []
const piLanes: number[] = []
for (let round = 0, r = 1, x = 1, y = 0; round < 24; round++) {
  ;[x, y] = [y, (2 * x + 3 * y) % 5]
  piLanes.push(x + 5 * y)
  rotations.push((((round + 1) * (round + 2)) / 2) % 64)
  let constant = 0n
  for (let j = 0; j < 7; j++) {
    r = ((r << 1) ^ ((r >> 7) * 0x71)) % 256
    if (r & 2) constant ^= 1n << BigInt((1 << j) - 1)
  }
  roundConstants.push(constant)
}

function keccakF1600(s: bigint[]): void {
  const lane = (i: number) => s[i] ?? 0n
  for (let round = 0; round < 24; round++) {
    const c = [0, 1, 2, 3, 4].map(
      (x) => lane(x) ^ lane(x + 5) ^ lane(x + 10) ^ lane(x + 15) ^ lane(x + 20),
    )
    for (let x = 0; x < 5; x++) {
      const d = (c[(x + 4) % 5] ?? 0n) ^ rotl(c[(x + 1) % 5] ?? 0n, 1)
      for (let y = 0; y < 25; y += 5) s[x + y] = lane(x + y) ^ d
    }
    let current = lane(1)
    for (let t = 0; t < 24; t++) {
      const target = piLanes[t] ?? 0
      const next = lane(target)
      s[target] = rotl(current, rotations[t] ?? 0)
      current = next
    }
    for (let y = 0; y < 25; y += 5) {
      const row = s.slice(y, y + 5)
      for (let x = 0; x < 5; x++)
        s[y + x] = (row[x] ?? 0n) ^ (~(row[(x + 1) % 5] ?? 0n) & (row[(x + 2) % 5] ?? 0n))
    }
    s[0] = lane(0) ^ (roundConstants[round] ?? 0n)
  }
}

/** Keccak-256 of `bytes`: rate 136 bytes, padding 0x01 .. 0x80, 32-byte digest. */
export function keccak256(bytes: Uint8Array): Uint8Array {
  const rate = 136
  const padded = new Uint8Array((Math.floor(bytes.length / rate) + 1) * rate)
  padded.set(bytes)
  padded[bytes.length] = 0x01
  padded[padded.length - 1] = (padded[padded.length - 1] ?? 0) | 0x80
  const state: bigint[] = new Array(25).fill(0n)
  for (let offset = 0; offset < padded.length; offset += rate) {
    for (let i = 0; i < rate / 8; i++) {
      let word = 0n
      for (let b = 7; b >= 0; b--) word = (word << 8n) | BigInt(padded[offset + i * 8 + b] ?? 0)
      state[i] = (state[i] ?? 0n) ^ word
    }
    keccakF1600(state)
  }
  const out = new Uint8Array(32)
  for (let i = 0; i < 32; i++)
    out[i] = Number(((state[i >> 3] ?? 0n) >> BigInt(8 * (i & 7))) & 0xffn)
  return out
}
