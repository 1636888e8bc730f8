import type { Contributor } from './createContributor.ts'

/**
 * When the tab closes (or goes into the back/forward cache, where it cannot compute), abort the
 * libp2p connections at once instead of letting the gateway find out from missed heartbeats:
 * aborting closes the RTCPeerConnection (or the WebSocket) synchronously, inside the pagehide
 * handler, so the gateway sees the transport close and requeues the held jobs right away. A page
 * restored from the cache reconnects through the grid worker's usual backoff loop. Returns the
 * function that removes the listener.
 */
export function releaseOnPageHide(
  contributor: Contributor,
  target: EventTarget = globalThis,
): () => void {
  const onPageHide = () => {
    const node = contributor.gridWorker()?.node()
    if (!node) return
    for (const connection of node.getConnections())
      connection.abort(new Error('The contributor page was closed.'))
  }
  target.addEventListener('pagehide', onPageHide)
  return () => target.removeEventListener('pagehide', onPageHide)
}
