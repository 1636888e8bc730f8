import {
  EMBED_ERROR_MAX_LENGTH,
  EMBED_MAX_HEIGHT,
  EMBED_MESSAGE_TAG,
  EMBED_STATES,
  type EmbedEvent,
  type EmbedState,
} from './EmbedMessage.ts'
import { isPlainObject } from './parseEmbedCommand.ts'

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0

/**
 * Reads an iframe -> loader message, or returns undefined for anything that is not exactly a
 * `status` or `resize` event with in-range fields. The loader shows `state` and `jobsDone` to the
 * visitor and sizes the iframe by `height` (clamped to EMBED_MAX_HEIGHT).
 */
export function parseEmbedEvent(data: unknown): EmbedEvent | undefined {
  if (!isPlainObject(data) || data.tag !== EMBED_MESSAGE_TAG) return undefined
  const keys = Object.keys(data).sort().join()
  if (data.type === 'resize') {
    if (keys !== 'height,tag,type' || !isCount(data.height)) return undefined
    return {
      tag: EMBED_MESSAGE_TAG,
      type: 'resize',
      height: Math.min(data.height, EMBED_MAX_HEIGHT),
    }
  }
  if (data.type !== 'status') return undefined
  const { state, jobsDone, crossOriginIsolated, error } = data
  const expected = `crossOriginIsolated,${error === undefined ? '' : 'error,'}jobsDone,state,tag,type`
  if (keys !== expected) return undefined
  if (!EMBED_STATES.includes(state as EmbedState)) return undefined
  if (!isCount(jobsDone) || typeof crossOriginIsolated !== 'boolean') return undefined
  if (error !== undefined && (typeof error !== 'string' || error.length > EMBED_ERROR_MAX_LENGTH))
    return undefined
  return {
    tag: EMBED_MESSAGE_TAG,
    type: 'status',
    state: state as EmbedState,
    jobsDone,
    crossOriginIsolated,
    ...(error === undefined ? {} : { error }),
  }
}
