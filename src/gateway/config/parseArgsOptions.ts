import type { ParseArgsConfig } from 'node:util'
import { configOptions } from './configOptions.ts'

/** node:util parseArgs options for every flag in the one options table (both parsers read it). */
export const parseArgsOptions = Object.fromEntries(
  Object.values(configOptions).map((spec) => [
    spec.flag,
    {
      type: 'value' in spec ? 'string' : 'boolean',
      ...('short' in spec ? { short: spec.short } : {}),
    },
  ]),
) as NonNullable<ParseArgsConfig['options']>
