// With the `u` flag a paired surrogate is one code point, so this matches only lone surrogates.
const LONE_SURROGATE = /\p{Surrogate}/u

/**
 * True when the string has no lone surrogates, i.e. it survives a UTF-8 round trip unchanged.
 * (String.prototype.isWellFormed is ES2024; our type target is ES2023.)
 */
export function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text)
}
