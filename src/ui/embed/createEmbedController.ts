import {
  EMBED_ERROR_MAX_LENGTH,
  EMBED_MESSAGE_TAG,
  type EmbedCommand,
  type EmbedState,
  type EmbedStatusEvent,
} from '../../protocol/widget/EmbedMessage.ts'
import type { Contributor } from '../contributor/createContributor.ts'
import type { EmbedParameters } from './readEmbedParameters.ts'

export type EmbedControllerParameters = EmbedParameters & {
  /** Let libp2p dial loopback/private addresses (the grid is on this machine). */
  allowInsecureLocal: boolean
  /** Sends an event to the partner page (postMessage with the parent's origin as target). */
  post(event: EmbedStatusEvent): void
}

export type EmbedController = {
  /** Runs a command from the partner page (already origin-checked and parsed). */
  handle(command: EmbedCommand): void
  status(): EmbedStatusEvent
  subscribe(listener: () => void): () => void
}

const contributorStates: Record<string, EmbedState> = {
  idle: 'starting',
  starting: 'starting',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  failed: 'failed',
}

/**
 * The /embed page's worker: the contributor (engine + grid worker) with the partner set, started
 * and stopped by the partner page's commands and reporting its status back. Commands run one at a
 * time in arrival order; a start after a stop makes a new contributor (each starts once). Nothing
 * of the worker code is loaded before the first start.
 */
export function createEmbedController(parameters: EmbedControllerParameters): EmbedController {
  const listeners = new Set<() => void>()
  let contributor: Contributor | undefined
  let current: EmbedStatusEvent = {
    tag: EMBED_MESSAGE_TAG,
    type: 'status',
    state: 'ready',
    jobsDone: 0,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
  }
  const publish = (next: Omit<EmbedStatusEvent, 'tag' | 'type' | 'crossOriginIsolated'>) => {
    current = {
      tag: EMBED_MESSAGE_TAG,
      type: 'status',
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      state: next.state,
      jobsDone: next.jobsDone,
      ...(next.error ? { error: next.error.slice(0, EMBED_ERROR_MAX_LENGTH) } : {}),
    }
    parameters.post(current)
    for (const listener of listeners) listener()
  }
  const fromContributor = () => {
    const status = contributor?.status()
    if (!status) return
    publish({
      state: contributorStates[status.state] ?? 'failed',
      jobsDone: status.network?.jobsDone ?? 0,
      ...(status.error ? { error: status.error } : {}),
    })
  }

  async function start(): Promise<void> {
    if (current.state === 'starting' || current.state === 'running') return
    publish({ state: 'starting', jobsDone: 0 })
    const [{ createContributor }, { installConsoleHandle }, { releaseOnPageHide }] =
      await Promise.all([
        import('../contributor/createContributor.ts'),
        import('../contributor/installConsoleHandle.ts'),
        import('../contributor/releaseOnPageHide.ts'),
      ])
    const next = createContributor({
      allowInsecureLocal: parameters.allowInsecureLocal,
      partner: parameters.partner,
      maxDownloadBytes: parameters.maxDownloadBytes,
    })
    contributor = next
    installConsoleHandle(next)
    releaseOnPageHide(next)
    next.subscribe(fromContributor)
    // Resolves once running; failures land in the status (state 'failed', error).
    await next.start()
  }

  async function stop(): Promise<void> {
    if (!contributor) {
      publish({ state: 'stopped', jobsDone: 0 })
      return
    }
    await contributor.stop()
    fromContributor()
  }

  let queue = Promise.resolve()
  return {
    handle(command) {
      if (command.type === 'status') {
        parameters.post(current)
        return
      }
      // A stop must not wait behind a start that is still loading models: it aborts it.
      if (command.type === 'stop' && contributor) void contributor.stop()
      queue = queue
        .then(() => (command.type === 'start' ? start() : stop()))
        .catch((error: unknown) =>
          publish({
            state: 'failed',
            jobsDone: current.jobsDone,
            error: error instanceof Error ? error.message.split('\n')[0] : String(error),
          }),
        )
    },
    status: () => current,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
