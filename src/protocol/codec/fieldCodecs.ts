import { type Address, bytesToHex, getAddress, type Hex, hexToBytes, isAddress, isHex } from 'viem'
import type { ErrorDetails } from '../errors/BaseError'
import { DecodeError } from '../errors/DecodeError'
import { TensorError } from '../errors/TensorError'
import { MAX_TENSORS } from '../limits'
import { dtypeFromCode, dtypes } from '../tensor/dtypes'
import type { Tensor, TensorMap } from '../tensor/Tensor'
import { validateTensor } from '../tensor/validateTensor'
import { assertTensorName, validateTensorMap } from '../tensor/validateTensorMap'
import { isWellFormed } from '../utils/isWellFormed'

/**
 * Small composable codecs, one per kind of field, that the message schemas are built from. Each
 * validates in both directions: `toWire` checks an in-memory value (so we never send what a peer
 * would reject) and returns what cborg encodes; `fromWire` checks what cborg decoded (maps come
 * as Map, byte strings as Uint8Array, big integers as bigint) and returns the in-memory value.
 * Failures throw DecodeError PROTOCOL_MALFORMED_FIELD (or TensorError) with the field path.
 */
export type FieldCodec<value> = {
  toWire(value: unknown, path: string): unknown
  fromWire(wire: unknown, path: string): value
}

export type WireMap = Map<unknown, unknown>

export function malformed(path: string, reason: string): never {
  throw new DecodeError(`Malformed field ${path}: ${reason}.`, {
    code: 'PROTOCOL_MALFORMED_FIELD',
    details: { path, reason },
  })
}

/** Applies the same check both ways for values whose wire and memory forms are equal. */
function symmetric<value>(check: (value: unknown, path: string) => value): FieldCodec<value> {
  return { toWire: check, fromWire: check }
}

export type TextOptions = { min?: number; max: number; pattern?: RegExp }

export function text(options: TextOptions): FieldCodec<string> {
  const { min = 1, max, pattern } = options
  return symmetric((value, path) => {
    if (typeof value !== 'string') malformed(path, 'expected a string')
    if (value.length < min || value.length > max) {
      malformed(path, `expected ${min} to ${max} characters`)
    }
    if (!isWellFormed(value)) malformed(path, 'lone surrogate in string')
    if (pattern && !pattern.test(value)) malformed(path, `does not match ${pattern.source}`)
    return value
  })
}

export function oneOf<const values extends readonly string[]>(
  values: values,
): FieldCodec<values[number]> {
  return symmetric((value, path) => {
    if (typeof value === 'string' && values.includes(value)) return value as values[number]
    malformed(path, `expected one of ${values.join(', ')}`)
  })
}

export type UintOptions = { min?: number; max?: number }

/** Integers that fit a double exactly; a bigint on the wire is by definition out of range. */
export function uint(options: UintOptions = {}): FieldCodec<number> {
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = options
  return symmetric((value, path) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      malformed(path, 'expected a safe integer')
    }
    if (value < min || value > max) malformed(path, `expected ${min} to ${max}`)
    return value === 0 ? 0 : value // folds -0, which CBOR cannot carry as an integer
  })
}

export function float(options: { min: number; max: number }): FieldCodec<number> {
  const { min, max } = options
  return symmetric((value, path) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      malformed(path, 'expected a finite number')
    }
    if (value < min || value > max) malformed(path, `expected ${min} to ${max}`)
    return value === 0 ? 0 : value
  })
}

export function bool(): FieldCodec<boolean> {
  return symmetric((value, path) => {
    if (typeof value !== 'boolean') malformed(path, 'expected a boolean')
    return value
  })
}

/** Unsigned integers up to `max` held as bigint; cborg hands back a number when one is exact. */
export function bigUint(options: { max: bigint }): FieldCodec<bigint> {
  const { max } = options
  const check = (value: bigint, path: string): bigint => {
    if (value < 0n || value > max) malformed(path, `expected 0 to ${max}`)
    return value
  }
  return {
    toWire(value, path) {
      if (typeof value !== 'bigint') malformed(path, 'expected a bigint')
      return check(value, path)
    },
    fromWire(wire, path) {
      if (typeof wire === 'bigint') return check(wire, path)
      if (typeof wire === 'number' && Number.isSafeInteger(wire)) return check(BigInt(wire), path)
      malformed(path, 'expected an unsigned integer')
    },
  }
}

export type HexBytesOptions = { min: number; max: number }

/** Binary values held as 0x-hex in memory (viem's currency) and sent as CBOR byte strings. */
export function hexBytes(options: HexBytesOptions): FieldCodec<Hex> {
  const { min, max } = options
  const checkLength = (length: number, path: string): void => {
    if (length < min || length > max) {
      malformed(path, min === max ? `expected ${min} bytes` : `expected ${min} to ${max} bytes`)
    }
  }
  return {
    toWire(value, path) {
      if (typeof value !== 'string' || !isHex(value, { strict: true }) || value.length % 2 !== 0) {
        malformed(path, 'expected 0x-prefixed hex of whole bytes')
      }
      checkLength((value.length - 2) / 2, path)
      return hexToBytes(value)
    },
    fromWire(wire, path) {
      if (!(wire instanceof Uint8Array)) malformed(path, 'expected a byte string')
      checkLength(wire.length, path)
      return bytesToHex(wire)
    },
  }
}

/** Addresses travel as 20 bytes and come back EIP-55 checksummed. */
export function address(): FieldCodec<Address> {
  return {
    toWire(value, path) {
      if (typeof value !== 'string' || !isAddress(value)) malformed(path, 'expected an address')
      return hexToBytes(value)
    },
    fromWire(wire, path) {
      if (!(wire instanceof Uint8Array) || wire.length !== 20) malformed(path, 'expected 20 bytes')
      return getAddress(bytesToHex(wire))
    },
  }
}

export type ListOptions<item> = {
  min?: number
  max: number
  /** When set, two items with the same key are rejected. */
  uniqueBy?: (item: item) => string
}

export function list<item>(
  codec: FieldCodec<item>,
  options: ListOptions<item>,
): FieldCodec<item[]> {
  const { min = 0, max, uniqueBy } = options
  const checkArray = (value: unknown, path: string): unknown[] => {
    if (!Array.isArray(value)) malformed(path, 'expected an array')
    if (value.length < min || value.length > max) {
      malformed(path, `expected ${min} to ${max} items`)
    }
    return value
  }
  const checkUnique = (items: readonly item[], path: string): void => {
    if (!uniqueBy) return
    const keys = new Set(items.map(uniqueBy))
    if (keys.size !== items.length) malformed(path, 'items must be unique')
  }
  return {
    toWire(value, path) {
      const items = checkArray(value, path)
      const wire = items.map((item, i) => codec.toWire(item, `${path}[${i}]`))
      // Every item passed toWire, so each is a valid in-memory value.
      checkUnique(items as item[], path)
      return wire
    },
    fromWire(wire, path) {
      const items = checkArray(wire, path).map((item, i) => codec.fromWire(item, `${path}[${i}]`))
      checkUnique(items, path)
      return items
    },
  }
}

export type FieldSpec<value> = {
  key: string
  codec: FieldCodec<Exclude<value, undefined>>
  optional: undefined extends value ? true : false
}

export function required<value>(key: string, codec: FieldCodec<value>) {
  return { key, codec, optional: false as const }
}

export function optional<value>(key: string, codec: FieldCodec<value>) {
  return { key, codec, optional: true as const }
}

export type StructFields<value> = { [name in keyof value]-?: FieldSpec<value[name]> }

export type StructOptions<value> = {
  /** Cross-field checks, run on the in-memory value in both directions. */
  refine?: (value: value, path: string) => void
}

/**
 * A record with a fixed set of fields, each under a short wire key. Unknown keys are rejected in
 * both directions: a peer on the same version never sends one, and silently dropping a field
 * would hide a bug. Absent and `undefined` optional fields are the same thing.
 */
export function struct<value extends object>(
  fields: StructFields<value>,
  options: StructOptions<value> = {},
): FieldCodec<value> {
  const specs = Object.entries(fields) as [string, FieldSpec<unknown>][]
  const byKey = new Map(specs.map(([name, spec]) => [spec.key, [name, spec] as const]))
  const names = new Set(specs.map(([name]) => name))
  return {
    toWire(value, path) {
      if (!isRecord(value)) malformed(path, 'expected an object')
      for (const name of Object.keys(value)) {
        if (!names.has(name) && value[name] !== undefined)
          malformed(`${path}.${name}`, 'unknown field')
      }
      const wire = new Map<string, unknown>()
      for (const [name, spec] of specs) {
        const field = value[name]
        if (field === undefined) {
          if (!spec.optional) malformed(`${path}.${name}`, 'missing')
          continue
        }
        wire.set(spec.key, spec.codec.toWire(field, `${path}.${name}`))
      }
      options.refine?.(value as value, path)
      return wire
    },
    fromWire(wire, path) {
      if (!(wire instanceof Map)) malformed(path, 'expected a map')
      const result: Record<string, unknown> = {}
      for (const [key, field] of wire) {
        const entry = typeof key === 'string' ? byKey.get(key) : undefined
        if (!entry) malformed(`${path}.${String(key).slice(0, 32)}`, 'unknown field')
        const [name, spec] = entry
        result[name] = spec.codec.fromWire(field, `${path}.${name}`)
      }
      for (const [name, spec] of specs) {
        if (!spec.optional && !Object.hasOwn(result, name)) malformed(`${path}.${name}`, 'missing')
      }
      options.refine?.(result as value, path)
      return result as value
    },
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Map) &&
    !ArrayBuffer.isView(value)
  )
}

/** Wire form of a tensor: { t: ONNX dtype code, d: dims, b: raw bytes }. */
export function tensor(): FieldCodec<Tensor> {
  return {
    toWire(value, path) {
      return tensorToWire(validateTensor(value, { path }))
    },
    fromWire(wire, path) {
      if (!(wire instanceof Map) || wire.size !== 3)
        malformed(path, 'expected a tensor map {t,d,b}')
      const code = wire.get('t')
      const dims = wire.get('d')
      const data = wire.get('b')
      if (typeof code !== 'number') malformed(`${path}.dtype`, 'expected an integer dtype code')
      if (!Array.isArray(dims)) malformed(`${path}.dims`, 'expected an array')
      if (!(data instanceof Uint8Array)) malformed(`${path}.data`, 'expected a byte string')
      const dtype = dtypeFromCode(code)
      if (!dtype) {
        throw new TensorError(`Unsupported tensor dtype code ${code}.`, {
          code: 'TENSOR_UNSUPPORTED_DTYPE',
          details: { path, dtypeCode: code },
        })
      }
      return validateTensor({ dtype, dims, data }, { path })
    },
  }
}

/** Wire form of a tensor map: a CBOR map from tensor name to tensor. */
export function tensorMap(): FieldCodec<TensorMap> {
  const codec = tensor()
  return {
    toWire(value, path) {
      const map = validateTensorMap(value, { path })
      return new Map(Object.entries(map).map(([name, t]) => [name, tensorToWire(t)]))
    },
    fromWire(wire, path) {
      if (!(wire instanceof Map)) malformed(path, 'expected a map of tensors')
      assertTensorCount(wire.size, path)
      const entries: [string, Tensor][] = []
      for (const [name, value] of wire) {
        assertTensorName(name, path)
        entries.push([name, codec.fromWire(value, `${path}[${JSON.stringify(name)}]`)])
      }
      // fromEntries defines own properties, so a tensor named "__proto__" stays a plain entry.
      return Object.fromEntries(entries)
    },
  }
}

function tensorToWire(value: Tensor): Map<string, unknown> {
  return new Map<string, unknown>([
    ['t', dtypes[value.dtype].code],
    ['d', [...value.dims]],
    ['b', value.data],
  ])
}

function assertTensorCount(count: number, path: string): void {
  if (count <= MAX_TENSORS) return
  throw new TensorError(`A tensor map may hold at most ${MAX_TENSORS} tensors.`, {
    code: 'TENSOR_MAP_TOO_LARGE',
    details: { path, count, max: MAX_TENSORS },
  })
}

/** A tensor name on its own (e.g. a wanted output): same rules as names inside a tensor map. */
export function tensorName(): FieldCodec<string> {
  return symmetric((value, path) => {
    assertTensorName(value, path)
    return value
  })
}

export type DetailsOptions = { maxEntries: number; maxKeyLength: number; maxStringLength: number }

/** Flat error details: string keys to null, boolean, finite number or bounded string. */
export function details(options: DetailsOptions): FieldCodec<ErrorDetails> {
  const { maxEntries, maxKeyLength, maxStringLength } = options
  const checkEntry = (
    key: unknown,
    value: unknown,
    path: string,
  ): [string, ErrorDetails[string]] => {
    if (typeof key !== 'string' || key.length === 0 || key.length > maxKeyLength) {
      malformed(path, `detail keys must be 1 to ${maxKeyLength} characters`)
    }
    if (!isWellFormed(key)) malformed(path, 'lone surrogate in detail key')
    const valuePath = `${path}.${key}`
    if (value === null || typeof value === 'boolean') return [key, value]
    if (typeof value === 'number' && Number.isFinite(value)) return [key, value === 0 ? 0 : value]
    if (typeof value === 'string' && value.length <= maxStringLength && isWellFormed(value)) {
      return [key, value]
    }
    malformed(valuePath, `expected null, boolean, finite number or string <= ${maxStringLength}`)
  }
  const checkSize = (size: number, path: string): void => {
    if (size > maxEntries) malformed(path, `at most ${maxEntries} details`)
  }
  return {
    toWire(value, path) {
      if (!isRecord(value)) malformed(path, 'expected an object')
      const entries = Object.entries(value)
      checkSize(entries.length, path)
      return new Map(entries.map(([key, detail]) => checkEntry(key, detail, path)))
    },
    fromWire(wire, path) {
      if (!(wire instanceof Map)) malformed(path, 'expected a map')
      checkSize(wire.size, path)
      const entries = [...wire].map(([key, detail]) => checkEntry(key, detail, path))
      return Object.fromEntries(entries)
    },
  }
}
