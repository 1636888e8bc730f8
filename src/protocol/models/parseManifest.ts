import type { Hex } from 'viem'
import { ModelManifestError } from '../errors/ModelManifestError.ts'
import { TensorError } from '../errors/TensorError'
import { MAX_RANK, MAX_TENSORS } from '../limits'
import { isDType } from '../tensor/dtypes'
import type { Tensor, TensorMap } from '../tensor/Tensor'
import { assertTensorName, validateTensorMap } from '../tensor/validateTensorMap'
import { base64ToBytes } from '../utils/base64ToBytes.ts'
import { isWellFormed } from '../utils/isWellFormed'
import type {
  ComparisonPolicy,
  KnownAnswerTest,
  ModelAsset,
  ModelManifest,
  ModelSource,
  TensorSpec,
} from './ModelManifest.ts'
import {
  AXIS_NAME_PATTERN,
  MAX_ASSET_BYTES,
  MAX_ASSETS,
  MAX_DESCRIPTION_LENGTH,
  MAX_KNOWN_ANSWER_BYTES,
  MAX_MODEL_BYTES,
  MAX_SHORT_TEXT_LENGTH,
  MAX_SPEC_DIM,
  MODEL_ID_PATTERN,
  MODEL_NAME_PATTERN,
} from './modelLimits.ts'
import { isModelTask, MODEL_TASKS } from './modelTasks.ts'

export type ParseManifestErrorType = ModelManifestError

/**
 * Reads a manifest from its JSON form (what `GET /v1/models/:id` returns, after JSON.parse) and
 * checks every field at the boundary: id, names, dtypes, dims, size, a comparison policy with sane
 * numbers for each output and none for anything else, known-answer tensors that are valid and
 * match the declared inputs and outputs. Unknown fields are refused. Throws a ModelManifestError
 * whose `details.path` names the first bad field.
 */
export function parseManifest(json: unknown): ModelManifest {
  const root = record(json, 'manifest')
  onlyKeys(root, 'manifest', [
    'id',
    'name',
    'description',
    'task',
    'size',
    'inputs',
    'outputs',
    'comparison',
    'knownAnswer',
    'source',
    'assets',
  ])
  const id = sha256(root.id, 'id')
  const name = slug(root.name, 'name')
  const description = text(root.description, 'description', MAX_DESCRIPTION_LENGTH, true)
  if (!isModelTask(root.task))
    throw invalid('task', `task must be one of ${MODEL_TASKS.join(', ')}.`)
  const task = root.task
  const size = integer(root.size, 'size', 1, MAX_MODEL_BYTES)
  const inputs = specs(root.inputs, 'inputs')
  const outputs = specs(root.outputs, 'outputs')
  const comparison = policies(root.comparison, 'comparison', outputs)
  const knownAnswer = knownAnswerTest(root.knownAnswer, 'knownAnswer', inputs, outputs)
  const source = modelSource(root.source, 'source', id)
  const manifest: ModelManifest = {
    id,
    name,
    description,
    task,
    size,
    inputs,
    outputs,
    comparison,
    knownAnswer,
    source,
  }
  if (root.assets !== undefined) manifest.assets = assets(root.assets, 'assets')
  return manifest
}

type Json = Record<string, unknown>

function invalid(path: string, message: string, cause?: unknown): ModelManifestError {
  return new ModelManifestError(`Invalid model manifest at ${path}: ${message}`, {
    code: 'MODEL_MANIFEST_INVALID',
    details: { path },
    cause,
  })
}

function record(value: unknown, path: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalid(path, 'expected an object.')
  return value as Json
}

function onlyKeys(value: Json, path: string, allowed: readonly string[]): void {
  const unknown = Object.keys(value).find((key) => !allowed.includes(key))
  if (unknown !== undefined) throw invalid(`${path}.${unknown}`, 'unknown field.')
}

function array(value: unknown, path: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalid(path, 'expected an array.')
  if (value.length < min || value.length > max)
    throw invalid(path, `expected ${min} to ${max} items, got ${value.length}.`)
  return value
}

function text(value: unknown, path: string, max: number, allowEmpty = false): string {
  if (typeof value !== 'string') throw invalid(path, 'expected a string.')
  if ((!allowEmpty && value.length === 0) || value.length > max)
    throw invalid(path, `expected ${allowEmpty ? 0 : 1} to ${max} characters.`)
  if (!isWellFormed(value)) throw invalid(path, 'the text has a lone surrogate.')
  return value
}

function slug(value: unknown, path: string): string {
  if (typeof value !== 'string' || !MODEL_NAME_PATTERN.test(value))
    throw invalid(path, 'expected a lowercase slug: a-z, 0-9 and inner dashes, 1 to 64 characters.')
  return value
}

function sha256(value: unknown, path: string): Hex {
  if (typeof value !== 'string' || !MODEL_ID_PATTERN.test(value))
    throw invalid(path, 'expected 0x and 64 lowercase hex digits (a sha256).')
  return value as Hex
}

function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(path, `expected an integer from ${min} to ${max}.`)
  return value
}

function fraction(value: unknown, path: string, min: number, max: number, open = false): number {
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value <= max &&
    (open ? value > min : value >= min)
  if (!ok) throw invalid(path, `expected a number in ${open ? '(' : '['}${min}, ${max}].`)
  return value as number
}

function specs(value: unknown, path: string): TensorSpec[] {
  const items = array(value, path, 1, MAX_TENSORS)
  const seen = new Set<string>()
  return items.map((item, i) => {
    const at = `${path}[${i}]`
    const spec = record(item, at)
    onlyKeys(spec, at, ['name', 'dtype', 'dims'])
    try {
      assertTensorName(spec.name, `${at}.name`)
    } catch (error) {
      throw invalid(`${at}.name`, 'expected 1 to 256 characters of well-formed text.', error)
    }
    if (seen.has(spec.name)) throw invalid(`${at}.name`, `"${spec.name}" is listed twice.`)
    seen.add(spec.name)
    if (!isDType(spec.dtype)) throw invalid(`${at}.dtype`, 'unsupported dtype.')
    const dims = array(spec.dims, `${at}.dims`, 0, MAX_RANK).map((dim, d) => {
      if (typeof dim === 'string') {
        if (!AXIS_NAME_PATTERN.test(dim))
          throw invalid(`${at}.dims[${d}]`, 'a dynamic axis name must be an identifier.')
        return dim
      }
      return integer(dim, `${at}.dims[${d}]`, 0, MAX_SPEC_DIM)
    })
    return { name: spec.name, dtype: spec.dtype, dims }
  })
}

function policies(
  value: unknown,
  path: string,
  outputs: readonly TensorSpec[],
): Record<string, ComparisonPolicy> {
  const map = record(value, path)
  const names = new Set(outputs.map((output) => output.name))
  const extra = Object.keys(map).find((name) => !names.has(name))
  if (extra !== undefined)
    throw invalid(`${path}[${JSON.stringify(extra)}]`, 'no output has this name.')
  // fromEntries defines own properties, so a name such as "__proto__" cannot reach a setter.
  return Object.fromEntries(
    outputs.map((output) => {
      const at = `${path}[${JSON.stringify(output.name)}]`
      if (!Object.hasOwn(map, output.name)) throw invalid(at, 'every output needs a policy.')
      return [output.name, policy(map[output.name], at, output.dims.length)]
    }),
  )
}

function policy(value: unknown, path: string, rank: number): ComparisonPolicy {
  const p = record(value, path)
  switch (p.kind) {
    case 'exact':
      onlyKeys(p, path, ['kind'])
      return { kind: 'exact' }
    case 'allclose':
      onlyKeys(p, path, ['kind', 'atol', 'rtol'])
      return {
        kind: 'allclose',
        atol: fraction(p.atol, `${path}.atol`, 0, 1),
        rtol: fraction(p.rtol, `${path}.rtol`, 0, 1),
      }
    case 'argmax':
      onlyKeys(p, path, ['kind', 'axis', 'minAgreement'])
      if (rank === 0) throw invalid(`${path}.kind`, 'argmax needs an output of rank 1 or more.')
      return {
        kind: 'argmax',
        axis: integer(p.axis, `${path}.axis`, 0, rank - 1),
        minAgreement: fraction(p.minAgreement, `${path}.minAgreement`, 0, 1, true),
      }
    case 'mask-iou':
      onlyKeys(p, path, ['kind', 'threshold', 'minIou'])
      return {
        kind: 'mask-iou',
        threshold: fraction(p.threshold, `${path}.threshold`, -1e6, 1e6),
        minIou: fraction(p.minIou, `${path}.minIou`, 0, 1, true),
      }
    case 'topk':
      onlyKeys(p, path, ['kind', 'axis', 'k', 'minAgreement'])
      if (rank === 0) throw invalid(`${path}.kind`, 'topk needs an output of rank 1 or more.')
      return {
        kind: 'topk',
        axis: integer(p.axis, `${path}.axis`, 0, rank - 1),
        k: integer(p.k, `${path}.k`, 1, 1_000_000),
        minAgreement: fraction(p.minAgreement, `${path}.minAgreement`, 0, 1, true),
      }
    case 'ctc-text':
      onlyKeys(p, path, ['kind', 'axis', 'blank'])
      if (rank === 0) throw invalid(`${path}.kind`, 'ctc-text needs an output of rank 1 or more.')
      return {
        kind: 'ctc-text',
        axis: integer(p.axis, `${path}.axis`, 0, rank - 1),
        blank: integer(p.blank, `${path}.blank`, 0, 1_000_000),
      }
    default:
      throw invalid(`${path}.kind`, 'expected exact, allclose, argmax, mask-iou, topk or ctc-text.')
  }
}

function knownAnswerTest(
  value: unknown,
  path: string,
  inputs: readonly TensorSpec[],
  outputs: readonly TensorSpec[],
): KnownAnswerTest {
  const kat = record(value, path)
  onlyKeys(kat, path, ['inputs', 'outputs', 'reference'])
  const budget = { left: MAX_KNOWN_ANSWER_BYTES }
  const katInputs = tensorMap(kat.inputs, `${path}.inputs`, inputs, budget)
  const katOutputs = tensorMap(kat.outputs, `${path}.outputs`, outputs, budget)
  const reference = text(kat.reference, `${path}.reference`, 64)
  if (!/^[\x21-\x7e]+$/.test(reference))
    throw invalid(`${path}.reference`, 'expected printable ASCII without spaces.')
  return { inputs: katInputs, outputs: katOutputs, reference }
}

function tensorMap(
  value: unknown,
  path: string,
  specList: readonly TensorSpec[],
  budget: { left: number },
): TensorMap {
  const map = record(value, path)
  const entries: [string, Tensor][] = []
  for (const [name, item] of Object.entries(map)) {
    const at = `${path}[${JSON.stringify(name)}]`
    const t = record(item, at)
    onlyKeys(t, at, ['dtype', 'dims', 'data'])
    if (typeof t.data !== 'string') throw invalid(`${at}.data`, 'expected a base64 string.')
    // Checked before decoding, so an oversized string costs no allocation.
    const decodedLength = Math.floor((t.data.length / 4) * 3)
    if (decodedLength > budget.left + 2)
      throw invalid(`${at}.data`, `known-answer tensors exceed ${MAX_KNOWN_ANSWER_BYTES} bytes.`)
    const data = base64ToBytes(t.data)
    if (!data) throw invalid(`${at}.data`, 'expected standard padded base64.')
    budget.left -= data.byteLength
    if (budget.left < 0)
      throw invalid(`${at}.data`, `known-answer tensors exceed ${MAX_KNOWN_ANSWER_BYTES} bytes.`)
    const dims = Array.isArray(t.dims) ? [...t.dims] : t.dims
    entries.push([name, { dtype: t.dtype, dims, data } as Tensor])
  }
  const tensors: TensorMap = Object.fromEntries(entries)
  try {
    validateTensorMap(tensors, { path })
  } catch (error) {
    if (!(error instanceof TensorError)) throw error
    const at = typeof error.details.path === 'string' ? error.details.path : path
    throw invalid(at, error.shortMessage, error)
  }
  for (const spec of specList) {
    const at = `${path}[${JSON.stringify(spec.name)}]`
    const tensor = tensors[spec.name]
    if (!tensor) throw invalid(at, `the known-answer test lacks "${spec.name}".`)
    if (tensor.dtype !== spec.dtype)
      throw invalid(`${at}.dtype`, `expected ${spec.dtype}, as declared, got ${tensor.dtype}.`)
    if (tensor.dims.length !== spec.dims.length)
      throw invalid(`${at}.dims`, `expected rank ${spec.dims.length}, as declared.`)
    spec.dims.forEach((dim, d) => {
      if (typeof dim === 'number' && tensor.dims[d] !== dim)
        throw invalid(`${at}.dims[${d}]`, `expected ${dim}, as declared.`)
    })
  }
  const names = new Set(specList.map((spec) => spec.name))
  const extra = Object.keys(tensors).find((name) => !names.has(name))
  if (extra !== undefined)
    throw invalid(`${path}[${JSON.stringify(extra)}]`, 'no tensor of the model has this name.')
  return tensors
}

const NPM_PACKAGE_PATTERN = /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/
const PRINTABLE = /^[\x21-\x7e]+$/

function modelSource(value: unknown, path: string, id: Hex): ModelSource {
  const s = record(value, path)
  if (s.kind === 'npm') {
    onlyKeys(s, path, ['kind', 'package', 'version', 'path'])
    const pkg = text(s.package, `${path}.package`, 214)
    if (!NPM_PACKAGE_PATTERN.test(pkg)) throw invalid(`${path}.package`, 'not an npm package name.')
    const version = text(s.version, `${path}.version`, 64)
    if (!PRINTABLE.test(version)) throw invalid(`${path}.version`, 'not a version.')
    const file = text(s.path, `${path}.path`, MAX_SHORT_TEXT_LENGTH)
    if (file.startsWith('/') || file.split('/').some((part) => part === '..' || part === ''))
      throw invalid(`${path}.path`, 'expected a relative path inside the package.')
    return { kind: 'npm', package: pkg, version, path: file }
  }
  if (s.kind === 'operator') {
    onlyKeys(s, path, ['kind', 'addedAt', 'sha256'])
    const addedAt = text(s.addedAt, `${path}.addedAt`, 40)
    if (
      !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(addedAt) ||
      Number.isNaN(Date.parse(addedAt))
    )
      throw invalid(`${path}.addedAt`, 'expected an ISO 8601 UTC time.')
    const hash = sha256(s.sha256, `${path}.sha256`)
    if (hash !== id) throw invalid(`${path}.sha256`, 'differs from the model id.')
    return { kind: 'operator', addedAt, sha256: hash }
  }
  throw invalid(`${path}.kind`, 'expected npm or operator.')
}

function assets(value: unknown, path: string): Record<string, ModelAsset> {
  const map = record(value, path)
  const entries = Object.entries(map)
  if (entries.length > MAX_ASSETS) throw invalid(path, `at most ${MAX_ASSETS} assets.`)
  const result: [string, ModelAsset][] = []
  for (const [name, item] of entries) {
    const at = `${path}[${JSON.stringify(name)}]`
    if (!MODEL_NAME_PATTERN.test(name)) throw invalid(at, 'asset names are lowercase slugs.')
    const asset = record(item, at)
    onlyKeys(asset, at, ['sha256', 'size', 'mediaType'])
    const mediaType = text(asset.mediaType, `${at}.mediaType`, 100)
    if (!/^[a-z]+\/[a-z0-9.+-]+(; ?charset=[a-z0-9-]+)?$/i.test(mediaType))
      throw invalid(`${at}.mediaType`, 'expected a media type such as text/plain; charset=utf-8.')
    result.push([
      name,
      {
        sha256: sha256(asset.sha256, `${at}.sha256`),
        size: integer(asset.size, `${at}.size`, 0, MAX_ASSET_BYTES),
        mediaType,
      },
    ])
  }
  return Object.fromEntries(result)
}
