import { definedDetails, GatewayError } from './GatewayError.ts'

export type ConfigErrorCode =
  | 'CONFIG_INVALID_VALUE'
  | 'CONFIG_UNKNOWN_OPTION'
  | 'CONFIG_UNEXPECTED_ARGUMENT'

export type ConfigErrorParameters = {
  code: ConfigErrorCode
  /** The flag (`--port`) or environment variable (`INFERENCE_GRID_PORT`) at fault, if one is. */
  source?: string | undefined
  value?: string | undefined
  cause?: unknown
}

export type ConfigErrorType = ConfigError & { name: 'ConfigError' }

/**
 * A flag or environment variable the gateway cannot use. The short message names the setting, says
 * what it accepts and what it got, so `main` can print it as is and exit with status 2.
 */
export class ConfigError extends GatewayError<ConfigErrorCode> {
  override name = 'ConfigError' as const
  readonly source: string | undefined
  readonly value: string | undefined

  constructor(shortMessage: string, { code, source, value, cause }: ConfigErrorParameters) {
    super(shortMessage, {
      code,
      cause,
      details: definedDetails({ source, value }),
      metaMessages: ['Run with --help to list every option.'],
    })
    this.source = source
    this.value = value
  }
}
