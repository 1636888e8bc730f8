import { configOptions } from './configOptions.ts'

export type ConfigOptionKey = keyof typeof configOptions

/** A setting's raw text and where it came from, so an error can name the flag or the variable. */
export type RawSetting = { raw: string; source: string } | undefined

/**
 * Reads one setting from parsed flags, then the environment: a flag wins over its variable. An
 * empty variable counts as unset (`FOO= cmd` is how shells unset for one command).
 */
export function createSettingReader(
  values: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string | undefined>>,
): (key: ConfigOptionKey) => RawSetting {
  return (key) => {
    const spec = configOptions[key]
    const flagValue = values[spec.flag]
    if (typeof flagValue === 'string') return { raw: flagValue, source: `--${spec.flag}` }
    const envName = 'env' in spec ? spec.env : undefined
    const envValue = envName ? env[envName] : undefined
    if (envName && envValue !== undefined && envValue !== '')
      return { raw: envValue, source: envName }
    return undefined
  }
}
