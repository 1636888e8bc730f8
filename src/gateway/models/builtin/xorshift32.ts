/**
 * A tiny deterministic generator (Marsaglia's xorshift32) returning floats in [0, 1). Known-answer
 * inputs must be byte-identical on every machine and every run, which Math.random cannot promise.
 */
export function xorshift32(seed: number): () => number {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 4294967296
  }
}
