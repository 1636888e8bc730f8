import { type DestinationStream, type Logger, pino } from 'pino'
import type { LogLevel } from '../config/GatewayConfig.ts'

export type { Logger }

export type CreateLoggerParameters = {
  level: LogLevel
  /** Where JSON lines go; stdout by default. Tests pass a stream that collects them. */
  destination?: DestinationStream | undefined
}

/**
 * The root logger: one JSON object per line, level as a word and time as ISO 8601 so that a person
 * can read the raw stream and a collector can parse it. Components log through `namespacedLogger`.
 */
export function createLogger({ level, destination }: CreateLoggerParameters): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: pino.stdSerializers.err },
    },
    // Synchronous writes: the last lines before an exit (shutdown, fatal errors) must not be lost.
    destination ?? pino.destination({ fd: 1, sync: true }),
  )
}

/** A child logger whose lines carry `name`, e.g. `gateway:http`, like libp2p's namespaced loggers. */
export function namespacedLogger(logger: Logger, name: `gateway:${string}`): Logger {
  return logger.child({ name })
}
