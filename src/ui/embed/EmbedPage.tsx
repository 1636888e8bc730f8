import { useEffect, useMemo, useSyncExternalStore } from 'react'
import { EMBED_MESSAGE_TAG } from '../../protocol/widget/EmbedMessage.ts'
import { parseEmbedCommand } from '../../protocol/widget/parseEmbedCommand.ts'
import { createEmbedController, type EmbedController } from './createEmbedController.ts'
import { readEmbedParameters } from './readEmbedParameters.ts'

const stateWords = {
  ready: 'waiting for Start',
  starting: 'preparing models',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
  failed: 'stopped after a problem',
} as const

/** The grid is on this machine: libp2p must be let dial loopback (see createBrowserNode). */
function isLocalPage(): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(globalThis.location.hostname)
}

type Setup = { controller: EmbedController; parentOrigin: string } | { error: string }

/**
 * The page partner sites frame (`/embed?partner=…&origin=…&cap=…`, made by widget.js after the
 * visitor's Start). It answers only its parent window, and only when that window has the origin
 * the URL names: commands start, stop and ask for the status; events report the status and this
 * page's height. It shows one line of status; the partner's card around it has the Stop button.
 */
export function EmbedPage() {
  const setup = useMemo<Setup>(() => {
    try {
      const parameters = readEmbedParameters({
        search: globalThis.location.search,
        framed: globalThis.parent !== globalThis.window,
        ancestorOrigins: globalThis.location.ancestorOrigins
          ? [...globalThis.location.ancestorOrigins]
          : undefined,
      })
      document.documentElement.dataset.theme = parameters.theme
      const controller = createEmbedController({
        ...parameters,
        allowInsecureLocal: isLocalPage(),
        post: (event) => globalThis.parent.postMessage(event, parameters.parentOrigin),
      })
      return { controller, parentOrigin: parameters.parentOrigin }
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
      console.error(message)
      return { error: message ?? 'This page cannot run.' }
    }
  }, [])

  useEffect(() => {
    if ('error' in setup) return
    const { controller, parentOrigin } = setup
    const onMessage = (event: MessageEvent) => {
      // Only the window that framed us, from the origin the widget named; anything else is noise.
      if (event.source !== globalThis.parent || event.origin !== parentOrigin) return
      const command = parseEmbedCommand(event.data)
      if (command) controller.handle(command)
    }
    globalThis.addEventListener('message', onMessage)
    const postHeight = () =>
      globalThis.parent.postMessage(
        {
          tag: EMBED_MESSAGE_TAG,
          type: 'resize',
          height: Math.ceil(document.documentElement.getBoundingClientRect().height),
        },
        parentOrigin,
      )
    const observer = new ResizeObserver(postHeight)
    observer.observe(document.documentElement)
    // Says 'ready': the widget answers with start.
    controller.handle({ tag: EMBED_MESSAGE_TAG, type: 'status' })
    return () => {
      globalThis.removeEventListener('message', onMessage)
      observer.disconnect()
    }
  }, [setup])

  if ('error' in setup)
    return (
      <p className="embed" role="alert" data-testid="embed-error">
        {setup.error}
      </p>
    )
  return <EmbedStatusLine controller={setup.controller} />
}

function EmbedStatusLine({ controller }: { controller: EmbedController }) {
  const status = useSyncExternalStore(controller.subscribe, controller.status)
  const threads = status.crossOriginIsolated ? 'multi-threaded' : 'single-threaded'
  return (
    <p className="embed" data-testid="embed-status" data-state={status.state}>
      Inference Grid: {stateWords[status.state]} · {status.jobsDone} jobs · WASM {threads}
      {status.error ? ` · ${status.error}` : ''}
    </p>
  )
}
