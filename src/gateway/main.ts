// Polyfills first: libp2p (loaded by later gateway modules) needs them on Node 20.
import '../p2p/polyfills.node.ts'
import { ensureAppBuilt } from './app/ensureAppBuilt.ts'
import { defaultGridOrigins } from './config/defaultGridOrigins.ts'
import { formatHelp } from './config/formatHelp.ts'
import { parseConfig } from './config/parseConfig.ts'
import { type DemoConfig, parseDemoConfig } from './config/parseDemoConfig.ts'
import { type JobNetworkConfig, parseJobNetworkConfig } from './config/parseJobNetworkConfig.ts'
import { createGateway, type Gateway } from './createGateway.ts'
import { createJobNetwork } from './createJobNetwork.ts'
import { createDemoRequester } from './demo/createDemoRequester.ts'
import { ConfigError } from './errors/config.ts'
import { GatewayError } from './errors/GatewayError.ts'
import { createLogger, namespacedLogger } from './logging/createLogger.ts'
import { createMetrics } from './metrics/createMetrics.ts'
import { createModelRegistry } from './models/createModelRegistry.ts'
import { createOnnxInspector } from './models/onnx/createOnnxInspector.ts'
import { createSqliteModelRepository } from './models/storage/createSqliteModelRepository.ts'
import { readPackageVersion, repoRoot } from './readPackageVersion.ts'
import { modelCatalogFromRegistry } from './scheduler/modelCatalogFromRegistry.ts'
import type { GatewayDatabase } from './storage/GatewayDatabase.ts'
import { openDatabase } from './storage/openDatabase.ts'
import { createOnnxReferenceRunner } from './verification/createOnnxReferenceRunner.ts'

/**
 * The gateway process: `npm start` runs this file. It is the one place where components are built
 * and wired. Exit status: 0 after a clean shutdown, 1 on a runtime failure, 2 on bad options.
 */

const version = readPackageVersion()

let parsed: ReturnType<typeof parseConfig>
let jobNetworkConfig: JobNetworkConfig | undefined
let demoConfig: DemoConfig | undefined
try {
  parsed = parseConfig({ args: process.argv.slice(2), env: process.env })
  if (parsed.kind === 'run') {
    jobNetworkConfig = parseJobNetworkConfig({
      args: process.argv.slice(2),
      env: process.env,
      host: parsed.config.host,
    })
    demoConfig = parseDemoConfig({ args: process.argv.slice(2), env: process.env })
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  // A person typed this: one readable sentence and what to do, no stack trace.
  process.stderr.write(
    `inference-grid: ${[error.shortMessage, ...error.metaMessages].join('\n')}\n`,
  )
  process.exit(2)
}
if (parsed.kind === 'help') {
  process.stdout.write(formatHelp({ version }))
  process.exit(0)
}
if (parsed.kind === 'version') {
  process.stdout.write(`${version}\n`)
  process.exit(0)
}

const { config } = parsed
const rootLogger = createLogger({ level: config.logLevel })
const logger = namespacedLogger(rootLogger, 'gateway:process')

// What exists so far, so that a signal during startup (a long build) still closes it cleanly.
let database: GatewayDatabase | undefined
let gateway: Gateway | undefined
let shuttingDown = false
// Stops startup work still running when a shutdown begins (the app build).
const startup = new AbortController()

async function shutdown(reason: string, exitCode: number): Promise<never> {
  if (shuttingDown) {
    logger.warn({ reason }, 'shutdown: second request while stopping; exiting now')
    process.exit(exitCode === 0 ? 1 : exitCode)
  }
  shuttingDown = true
  startup.abort()
  const started = performance.now()
  logger.info({ reason, timeoutMs: config.shutdownTimeoutMs }, 'shutdown started')
  // A hung request or a stuck close must not keep the process alive past the bound.
  setTimeout(() => {
    logger.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out; forcing exit')
    process.exit(1)
  }, config.shutdownTimeoutMs).unref()
  let code = exitCode
  try {
    if (gateway) await gateway.stop()
    else await database?.close()
    logger.info(
      { reason, durationMs: Math.round(performance.now() - started) },
      'shutdown complete',
    )
  } catch (error) {
    logger.error({ err: error }, 'shutdown failed')
    code = 1
  }
  process.exit(code)
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.on(signal, () => void shutdown(signal, 0))
// Node's default for both is to print and die mid-flight; log them, then stop in order.
process.on('uncaughtException', (error, origin) => {
  logger.fatal({ err: error, origin }, 'uncaught exception')
  void shutdown('uncaughtException', 1)
})
process.on('unhandledRejection', (reason) => {
  logger.fatal({ err: reason }, 'unhandled promise rejection')
  void shutdown('unhandledRejection', 1)
})

/** Builds the components, starts the gateway and prints where it listens. */
async function run(): Promise<void> {
  try {
    if (config.buildIfNeeded)
      await ensureAppBuilt({
        rootDir: repoRoot,
        outDir: config.appDir,
        logger: rootLogger,
        signal: startup.signal,
      })
    const sqlite = await openDatabase({ dataDir: config.dataDir, logger: rootLogger })
    database = sqlite
    const metrics = createMetrics({ version })
    // One ONNX worker thread for known answers and spot-check re-runs alike.
    const inspector = createOnnxInspector({ logger: rootLogger })
    const models = createModelRegistry({
      dataDir: config.dataDir,
      repository: createSqliteModelRepository({ sqlite: sqlite.sqlite }),
      inspector,
      logger: rootLogger,
    })
    const jobNetwork =
      jobNetworkConfig &&
      createJobNetwork({
        config: jobNetworkConfig,
        dataDir: config.dataDir,
        sqlite: sqlite.sqlite,
        catalog: modelCatalogFromRegistry(models),
        logger: rootLogger,
        registry: metrics.registry,
        version,
        operatorToken: config.operatorToken,
        reference: createOnnxReferenceRunner({ inspector, models }),
        // Known once HTTP listens; before that no worker can have said hello.
        defaultOrigins: () => (gateway?.isStarted() ? defaultGridOrigins(gateway.address()) : []),
      })
    gateway = createGateway({
      config,
      logger: rootLogger,
      database,
      metrics,
      version,
      models,
      jobNetwork,
      demo:
        jobNetwork && demoConfig?.enabled
          ? createDemoRequester(
              { ratePerSecond: demoConfig.ratePerSecond, maxOpen: demoConfig.maxOpen },
              {
                scheduler: jobNetwork.scheduler,
                store: jobNetwork.store,
                models,
                logger: rootLogger,
                registry: metrics.registry,
              },
            )
          : undefined,
    })
    await gateway.start()
  } catch (error) {
    // A signal during startup aborts it; that signal's shutdown is already exiting.
    if (shuttingDown) return
    logger.fatal({ err: error }, 'startup failed')
    // Also say it plainly on stderr: an operator at a terminal should not have to read JSON.
    const message =
      error instanceof GatewayError
        ? [error.shortMessage, ...error.metaMessages].join('\n')
        : String(error)
    process.stderr.write(`inference-grid: ${message}\n`)
    await shutdown('startup failed', 1)
  }
  if (shuttingDown || !gateway) return
  // The one plain line, always printed whatever the log level: it is what a person looks for, and
  // what test/fixtures/startGateway.ts waits for.
  const { url, listenUrl } = gateway.address()
  const publicNote = url === listenUrl ? '' : ` (public URL ${url})`
  process.stdout.write(`Inference Grid gateway listening on ${listenUrl}${publicNote}\n`)
}

void run()
