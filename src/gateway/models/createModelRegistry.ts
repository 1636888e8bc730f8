import { randomUUID } from 'node:crypto'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { ModelError } from '../../protocol/errors/ModelError.ts'
import { ModelManifestError } from '../../protocol/errors/ModelManifestError.ts'
import { hashTensorMap } from '../../protocol/hash/hashTensorMap.ts'
import type { ModelId } from '../../protocol/messages.ts'
import type { ModelAsset } from '../../protocol/models/ModelManifest.ts'
import { MAX_DESCRIPTION_LENGTH, MODEL_NAME_PATTERN } from '../../protocol/models/modelLimits.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import { isWellFormed } from '../../protocol/utils/isWellFormed.ts'
import { type Logger, namespacedLogger } from '../logging/createLogger.ts'
import { buildRegisteredModel } from './buildRegisteredModel.ts'
import { type BuiltinModel, builtinModels } from './builtin/builtinModels.ts'
import { defaultComparison } from './defaultComparison.ts'
import { hashFile } from './hashFile.ts'
import type { ModelRegistry, ModelSummary, RegisteredModel } from './ModelRegistry.ts'
import type { OnnxInspector } from './onnx/createOnnxInspector.ts'
import type { OnnxModelMetadata } from './onnx/OnnxMetadata.ts'
import { specsFromMetadata } from './onnx/specsFromMetadata.ts'
import { receiveUpload } from './receiveUpload.ts'
import { resolvePackageFile } from './resolvePackageFile.ts'
import { readKnownAnswerCache, writeKnownAnswerCache } from './storage/knownAnswerCache.ts'
import type { ModelRecord } from './storage/ModelRecord.ts'
import type { ModelRepository } from './storage/ModelRepository.ts'

export type ModelRegistryComponents = {
  /** Operator models live in <dataDir>/models, known answers in <dataDir>/models/known-answers. */
  dataDir: string
  repository: ModelRepository
  inspector: OnnxInspector
  logger: Logger
  /** The built-in table; tests may pass a part of it. */
  builtins?: readonly BuiltinModel[] | undefined
}

export type CreateModelRegistryReturnType = ModelRegistry

type KnownAnswer = { metadata: OnnxModelMetadata; inputs: TensorMap; outputs: TensorMap }

/**
 * The model registry (see ModelRegistry). At start it hashes the built-in files, loads the model
 * list from the repository, and takes each known answer from the cache, computing (in the ONNX
 * worker thread) only those missing for this onnxruntime-node version. A model that fails to load
 * is logged and left out; the gateway still starts.
 */
export function createModelRegistry(
  components: ModelRegistryComponents,
): CreateModelRegistryReturnType {
  const { dataDir, repository, inspector, builtins = builtinModels } = components
  const logger = namespacedLogger(components.logger, 'gateway:models')
  const modelsDir = path.join(dataDir, 'models')
  const cacheDir = path.join(modelsDir, 'known-answers')
  const runtimeVersion = inspector.runtimeVersion
  const models = new Map<ModelId, RegisteredModel>()
  const counts = { cached: 0, computed: 0 }
  let started = false
  // Adds run one at a time: two uploads of one name must not both pass the name check.
  let addChain: Promise<unknown> = Promise.resolve()

  async function knownAnswerFor(
    id: ModelId,
    file: string,
    inputs: TensorMap | undefined,
  ): Promise<KnownAnswer> {
    const cached = await readKnownAnswerCache(cacheDir, id, runtimeVersion)
    if (
      cached &&
      (!inputs || (await hashTensorMap(inputs)) === (await hashTensorMap(cached.inputs)))
    ) {
      counts.cached++
      return cached
    }
    const result = await inspector.inspect({ file, inputs, fromBytes: inputs === undefined })
    counts.computed++
    logger.info(
      { modelId: id, loadMs: round(result.loadMs), runMs: round(result.runMs) },
      'known answer computed',
    )
    await writeKnownAnswerCache(cacheDir, { modelId: id, runtimeVersion, ...result })
    return result
  }

  async function loadBuiltin(
    builtin: BuiltinModel,
    previous: ReadonlyMap<ModelId, ModelRecord>,
  ): Promise<{ record: ModelRecord; model: RegisteredModel }> {
    const resolved = resolvePackageFile({ packageName: builtin.package, file: builtin.file })
    const { sha256: id, size } = await hashFile(resolved.path)
    const assets: Record<string, ModelAsset> = {}
    const assetFiles: Record<string, string> = {}
    for (const [name, asset] of Object.entries(builtin.assets ?? {})) {
      const assetPath = resolvePackageFile({ packageName: builtin.package, file: asset.file }).path
      const hashed = await hashFile(assetPath)
      assets[name] = { sha256: hashed.sha256, size: hashed.size, mediaType: asset.mediaType }
      assetFiles[name] = assetPath
    }
    const record: ModelRecord = {
      id,
      name: builtin.name,
      task: builtin.task,
      description: builtin.description,
      size,
      origin: 'builtin',
      file: builtin.file,
      source: {
        kind: 'npm',
        package: builtin.package,
        version: resolved.version,
        path: builtin.file,
      },
      comparison: { ...builtin.comparison },
      assets: builtin.assets ? assets : undefined,
      addedAt: previous.get(id)?.addedAt ?? new Date().toISOString(),
    }
    const knownAnswer = await knownAnswerFor(id, resolved.path, builtin.knownAnswerInputs())
    const specs = specsFromMetadata({ metadata: knownAnswer.metadata, declared: builtin.dims })
    const model = buildRegisteredModel({
      record,
      specs,
      knownAnswer,
      runtimeVersion,
      file: resolved.path,
      assetFiles,
    })
    return { record, model }
  }

  async function loadOperatorModel(record: ModelRecord): Promise<RegisteredModel> {
    const file = path.join(modelsDir, record.file)
    const found = await stat(file)
    if (found.size !== record.size)
      throw new Error(`${file} has ${found.size} bytes; the model list says ${record.size}.`)
    const knownAnswer = await knownAnswerFor(record.id, file, undefined)
    const specs = specsFromMetadata({ metadata: knownAnswer.metadata })
    return buildRegisteredModel({ record, specs, knownAnswer, runtimeVersion, file })
  }

  async function start(): Promise<void> {
    if (started) return
    const startedAt = performance.now()
    counts.cached = 0
    counts.computed = 0
    await mkdir(cacheDir, { recursive: true })
    // Uploads a crash cut short.
    for (const name of await readdir(modelsDir))
      if (/^upload-.*\.part$/.test(name)) await rm(path.join(modelsDir, name), { force: true })
    const records = await repository.list()
    const previous = new Map(records.map((record) => [record.id, record]))
    const operatorNames = new Set(
      records.filter((r) => r.origin === 'operator').map((record) => record.name),
    )

    const builtinRecords: ModelRecord[] = []
    const loaded = await Promise.allSettled(builtins.map((b) => loadBuiltin(b, previous)))
    loaded.forEach((outcome, i) => {
      const name = builtins[i]?.name
      if (outcome.status === 'rejected') {
        logger.error({ err: outcome.reason, model: name }, 'built-in model left out')
        return
      }
      const { record, model } = outcome.value
      if (operatorNames.has(record.name)) {
        logger.error({ model: name }, 'built-in model left out: an operator model has its name')
        return
      }
      builtinRecords.push(record)
      models.set(record.id, model)
    })
    await repository.replaceBuiltins(builtinRecords)

    for (const record of records) {
      if (record.origin !== 'operator' || models.has(record.id)) continue
      try {
        models.set(record.id, await loadOperatorModel(record))
      } catch (error) {
        logger.error({ err: error, modelId: record.id, model: record.name }, 'model left out')
      }
    }
    started = true
    logger.info(
      {
        models: models.size,
        knownAnswersCached: counts.cached,
        knownAnswersComputed: counts.computed,
        onnxruntimeNode: runtimeVersion,
        durationMs: round(performance.now() - startedAt),
      },
      'models ready',
    )
  }

  return {
    isStarted: () => started,
    start,

    async stop() {
      started = false
      await inspector.close()
    },

    list(): ModelSummary[] {
      return [...models.values()]
        .map(({ manifest: { id, name, task, size, description } }) => ({
          id,
          name,
          task,
          size,
          description,
        }))
        .sort((a, b) => a.name.localeCompare(b.name))
    },

    get(id) {
      return models.get(id)
    },

    async add({ body, name, description, maxBytes, signal }) {
      if (typeof name !== 'string' || !MODEL_NAME_PATTERN.test(name))
        throw new ModelManifestError(
          'A model name is a lowercase slug: a-z, 0-9 and inner dashes, 1 to 64 characters (e.g. my-detector-v2).',
          { code: 'MODEL_MANIFEST_INVALID', details: { path: 'name' } },
        )
      if (
        description !== undefined &&
        (description.length > MAX_DESCRIPTION_LENGTH || !isWellFormed(description))
      )
        throw new ModelManifestError(
          `A description is at most ${MAX_DESCRIPTION_LENGTH} characters of well-formed text.`,
          { code: 'MODEL_MANIFEST_INVALID', details: { path: 'description' } },
        )
      await mkdir(modelsDir, { recursive: true })
      const temp = path.join(modelsDir, `upload-${randomUUID()}.part`)
      try {
        const { sha256: id, size } = await receiveUpload({ body, file: temp, maxBytes, signal })
        const run = addChain.then(() =>
          register({ id, size, temp, name, description: description ?? undefined, signal }),
        )
        addChain = run.catch(() => undefined)
        return await run
      } finally {
        await rm(temp, { force: true })
      }
    },
  }

  async function register({
    id,
    size,
    temp,
    name,
    description,
    signal,
  }: {
    id: ModelId
    size: number
    temp: string
    name: string
    description: string | undefined
    signal: AbortSignal | undefined
  }) {
    const existing = models.get(id)
    if (existing) return { model: existing, created: false }
    const holder = [...models.values()].find((model) => model.manifest.name === name)
    if (holder || builtins.some((builtin) => builtin.name === name))
      throw new ModelError(`The name ${name} is taken by another model; choose another.`, {
        code: 'MODEL_NAME_TAKEN',
        details: { name, modelId: holder?.manifest.id ?? null },
      })
    const started = performance.now()
    const result = await inspector.inspect({ file: temp, fromBytes: true }, { signal })
    const specs = specsFromMetadata({ metadata: result.metadata })
    const addedAt = new Date().toISOString()
    const fileName = `${id.slice(2)}.onnx`
    const record: ModelRecord = {
      id,
      name,
      task: 'custom',
      description: description ?? 'An ONNX model added by the operator of this gateway.',
      size,
      origin: 'operator',
      file: fileName,
      source: { kind: 'operator', addedAt, sha256: id },
      comparison: defaultComparison(specs.outputs),
      addedAt,
    }
    const file = path.join(modelsDir, fileName)
    const model = buildRegisteredModel({ record, specs, knownAnswer: result, runtimeVersion, file })
    await rename(temp, file)
    await writeKnownAnswerCache(cacheDir, { modelId: id, runtimeVersion, ...result })
    await repository.put(record)
    models.set(id, model)
    logger.info(
      { modelId: id, model: name, size, durationMs: round(performance.now() - started) },
      'model added',
    )
    return { model, created: true }
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10
}
