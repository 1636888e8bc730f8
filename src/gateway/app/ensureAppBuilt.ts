import { AppBuildFailedError } from '../errors/app.ts'
import { type Logger, namespacedLogger } from '../logging/createLogger.ts'
import { type BuildApp, buildAppWithVite } from './buildAppWithVite.ts'
import { type AppBuildStatus, checkAppBuild } from './checkAppBuild.ts'

export type EnsureAppBuiltParameters = {
  rootDir: string
  outDir: string
  logger: Logger
  build?: BuildApp | undefined
  signal?: AbortSignal | undefined
}

export type EnsureAppBuiltReturnType = {
  /** What was found before building. */
  found: AppBuildStatus['status']
  built: boolean
  durationMs?: number
}

export type EnsureAppBuiltErrorType = AppBuildFailedError

/** Builds the web app when its output is missing or older than its sources; otherwise does nothing. */
export async function ensureAppBuilt({
  rootDir,
  outDir,
  logger: rootLogger,
  build = buildAppWithVite,
  signal,
}: EnsureAppBuiltParameters): Promise<EnsureAppBuiltReturnType> {
  const logger = namespacedLogger(rootLogger, 'gateway:app')
  const found = await checkAppBuild({ rootDir, outDir })
  if (found.status === 'no-sources') {
    logger.warn({ rootDir }, 'no app sources (index.html) to build')
    return { found: found.status, built: false }
  }
  if (found.status === 'up-to-date') {
    logger.debug({ outDir }, 'app build is up to date')
    return { found: found.status, built: false }
  }
  logger.info(
    { outDir, reason: found.status, newestSource: found.newestSource.path },
    found.status === 'missing' ? 'app not built yet: building' : 'app build is stale: rebuilding',
  )
  const started = performance.now()
  try {
    await build({ rootDir, outDir, signal })
  } catch (error) {
    throw new AppBuildFailedError({ cause: error })
  }
  const durationMs = Math.round(performance.now() - started)
  logger.info({ outDir, durationMs }, 'app built')
  return { found: found.status, built: true, durationMs }
}
