/** Log levels, most to least severe; `silent` logs nothing. */
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof logLevels)[number]

/** The gateway's settings after flags and environment are merged and checked. Paths are absolute. */
export type GatewayConfig = {
  /** Interface the HTTP server binds. */
  host: string
  /** TCP port; 0 asks the OS for a free one (the actual port is printed once listening). */
  port: number
  /** Directory holding grid.sqlite and other state; created if missing. */
  dataDir: string
  /** Directory of the built web app (Vite's output). */
  appDir: string
  logLevel: LogLevel
  /** The URL people open when the gateway sits behind a proxy; printed and advertised. */
  publicUrl: string | undefined
  /** Run the Vite build before listening when the app directory is missing or older than src/. */
  buildIfNeeded: boolean
  /** How long a graceful shutdown may take before the process exits anyway. */
  shutdownTimeoutMs: number
  /** Secret that operator routes (adding models) require; undefined turns those routes off. */
  operatorToken?: string | undefined
  /** Largest model upload accepted, in bytes. */
  maxModelUploadBytes: number
}
