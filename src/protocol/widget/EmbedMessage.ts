/**
 * The postMessage protocol between the partner widget's loader (widget.js, in the partner's page)
 * and the grid's /embed page (in the iframe the loader creates after the visitor's Start). Defined
 * once here: src/widget posts commands and reads events, src/ui/embed does the reverse.
 *
 * Deliberately small: a partner page (hostile or not) can start, stop and ask for the status, and
 * nothing else: the partner address, the download cap and every other setting come from the
 * iframe's URL, fixed when the loader created it. Every message carries `tag`, so unrelated
 * messages on the same window (other widgets, browser extensions) are told apart, and each side
 * accepts a message only from the one window and origin it expects (see docs/WIDGET.md).
 */
export const EMBED_MESSAGE_TAG = 'inference-grid/embed/1'

/** Loader -> iframe. */
export type EmbedCommand =
  | { tag: typeof EMBED_MESSAGE_TAG; type: 'start' }
  | { tag: typeof EMBED_MESSAGE_TAG; type: 'stop' }
  /** Asks for a `status` event now. */
  | { tag: typeof EMBED_MESSAGE_TAG; type: 'status' }

export const EMBED_STATES = [
  /** Loaded, waiting for `start`. Nothing downloaded, nothing computed. */
  'ready',
  'starting',
  'running',
  'stopping',
  'stopped',
  'failed',
] as const
export type EmbedState = (typeof EMBED_STATES)[number]

export type EmbedStatusEvent = {
  tag: typeof EMBED_MESSAGE_TAG
  type: 'status'
  state: EmbedState
  /** Results the gateway accepted from this iframe. */
  jobsDone: number
  /**
   * Whether the iframe is cross-origin isolated (multi-threaded WASM). False unless the partner
   * page is isolated too and lets the iframe be (allow="cross-origin-isolated").
   */
  crossOriginIsolated: boolean
  /** What went wrong, in a sentence, when `state` is 'failed'. */
  error?: string
}

export type EmbedResizeEvent = {
  tag: typeof EMBED_MESSAGE_TAG
  type: 'resize'
  /** The iframe content's height in CSS pixels. */
  height: number
}

/** Iframe -> loader. */
export type EmbedEvent = EmbedStatusEvent | EmbedResizeEvent

/** Longest `error` sentence an event may carry. */
export const EMBED_ERROR_MAX_LENGTH = 300
/** Tallest the loader lets the iframe grow, CSS pixels. */
export const EMBED_MAX_HEIGHT = 400
