import { EMBED_MESSAGE_TAG, type EmbedCommand } from './EmbedMessage.ts'

const commandTypes = new Set(['start', 'stop', 'status'])

/**
 * Reads a loader -> iframe message, or returns undefined for anything that is not exactly one of
 * the commands: a plain object with the tag and a known type and no other key. Extra keys are
 * refused rather than ignored, so a page cannot smuggle settings in a command it is allowed to
 * send (the /embed page has no setting a message could change anyway).
 */
export function parseEmbedCommand(data: unknown): EmbedCommand | undefined {
  if (!isPlainObject(data)) return undefined
  const keys = Object.keys(data)
  if (keys.length !== 2 || data.tag !== EMBED_MESSAGE_TAG) return undefined
  const type = data.type
  if (typeof type !== 'string' || !commandTypes.has(type)) return undefined
  return { tag: EMBED_MESSAGE_TAG, type: type as EmbedCommand['type'] }
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}
