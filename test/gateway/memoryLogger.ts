import type { LogLevel } from '../../src/gateway/config/GatewayConfig.ts'
import { createLogger, type Logger } from '../../src/gateway/logging/createLogger.ts'

export type LogLine = { level: string; name?: string; msg: string; [key: string]: unknown }

/** A real gateway logger whose JSON lines are kept in memory, so tests can assert on them. */
export function memoryLogger(level: LogLevel = 'debug'): { logger: Logger; lines(): LogLine[] } {
  const raw: string[] = []
  const logger = createLogger({ level, destination: { write: (line: string) => raw.push(line) } })
  return { logger, lines: () => raw.map((line) => JSON.parse(line) as LogLine) }
}
