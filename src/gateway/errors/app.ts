import { GatewayError } from './GatewayError.ts'

export type AppBuildFailedErrorType = AppBuildFailedError & { name: 'AppBuildFailedError' }

/** `--build-if-needed` found the web app stale and the Vite build failed. */
export class AppBuildFailedError extends GatewayError<'APP_BUILD_FAILED'> {
  override name = 'AppBuildFailedError' as const

  constructor({ cause }: { cause?: unknown }) {
    super('Building the web app failed.', {
      code: 'APP_BUILD_FAILED',
      cause,
      metaMessages: [
        'Fix the error above (try `npm run build` to see it), or start with --no-build to serve the app directory as it is.',
      ],
    })
  }
}
