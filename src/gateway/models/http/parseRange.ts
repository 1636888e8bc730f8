export type ParseRangeReturnType =
  /** No Range header, or one this server ignores (several ranges, another unit, bad syntax). */
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' }

/**
 * Reads a `Range` header for a resource of `size` bytes (RFC 9110 section 14). Only one byte range
 * is served (`bytes=0-99`, `bytes=100-`, `bytes=-100`); multipart answers are not worth their
 * weight for model downloads, and the RFC lets a server ignore what it does not support. `end` is
 * inclusive.
 */
export function parseRange(header: string | undefined, size: number): ParseRangeReturnType {
  if (header === undefined) return { kind: 'full' }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match) return { kind: 'full' }
  const [, first = '', last = ''] = match
  if (first === '' && last === '') return { kind: 'full' }
  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last)
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' }
    return { kind: 'partial', start: Math.max(0, size - length), end: size - 1 }
  }
  const start = Number(first)
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1)
  if (!Number.isSafeInteger(start) || start >= size) return { kind: 'unsatisfiable' }
  if (end < start) return { kind: 'full' }
  return { kind: 'partial', start, end }
}
