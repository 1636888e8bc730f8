/**
 * One table describes every option: its flag, environment variable, default and help line. The
 * parser, the help text and the tests all read it, so an option cannot exist in one and not the
 * others.
 */
export type ConfigOptionSpec = {
  /** Long flag without the dashes. */
  flag: string
  short?: string
  /** Placeholder for the value in help; absent for boolean switches. */
  value?: string
  env?: string
  /** The default as shown in help. */
  default?: string
  description: string
}

export const configOptions = {
  host: {
    flag: 'host',
    value: '<host>',
    env: 'INFERENCE_GRID_HOST',
    default: '127.0.0.1',
    description: 'Interface to listen on; 0.0.0.0 for every interface.',
  },
  port: {
    flag: 'port',
    short: 'p',
    value: '<port>',
    env: 'INFERENCE_GRID_PORT',
    default: '8700',
    description: 'TCP port, 0 to 65535; 0 picks a free one (printed at start).',
  },
  dataDir: {
    flag: 'data-dir',
    value: '<dir>',
    env: 'INFERENCE_GRID_DATA_DIR',
    default: './data',
    description: 'Directory for the database (grid.sqlite); created if missing.',
  },
  appDir: {
    flag: 'app-dir',
    value: '<dir>',
    env: 'INFERENCE_GRID_APP_DIR',
    default: './dist',
    description: 'Directory of the built web app (the output of `npm run build`).',
  },
  logLevel: {
    flag: 'log-level',
    value: '<level>',
    env: 'INFERENCE_GRID_LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent (logs are JSON lines).',
  },
  publicUrl: {
    flag: 'public-url',
    value: '<url>',
    env: 'INFERENCE_GRID_PUBLIC_URL',
    default: '(none)',
    description: 'The URL people open when a proxy sits in front; printed at start.',
  },
  buildIfNeeded: {
    flag: 'build-if-needed',
    env: 'INFERENCE_GRID_BUILD_IF_NEEDED',
    default: 'off',
    description: 'Before listening, build the app with Vite if it is missing or older than src/.',
  },
  noBuild: {
    flag: 'no-build',
    description: 'Never build: serve the app directory as it is (wins over the variable).',
  },
  shutdownTimeoutMs: {
    flag: 'shutdown-timeout-ms',
    value: '<ms>',
    env: 'INFERENCE_GRID_SHUTDOWN_TIMEOUT_MS',
    default: '10000',
    description: 'How long a graceful shutdown may take before the process exits.',
  },
  help: { flag: 'help', short: 'h', description: 'Print this help and exit.' },
  version: { flag: 'version', short: 'v', description: 'Print the version and exit.' },
} as const satisfies Record<string, ConfigOptionSpec>

export type ConfigOptionKey = keyof typeof configOptions
