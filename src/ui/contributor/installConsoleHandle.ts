import { createPeerDiagnostics, type PeerDiagnostics } from '../../p2p/createPeerDiagnostics.ts'
import { NetworkError } from '../../p2p/NetworkError.ts'
import type { Contributor, ContributorStatus } from './createContributor.ts'

/** What `inferenceGrid` in the browser console offers while this tab contributes. */
export type ConsoleHandle = {
  status(): ContributorStatus
} & Pick<PeerDiagnostics, 'addresses' | 'connections' | 'connectPeer'>

declare global {
  var inferenceGrid: ConsoleHandle | undefined
}

/**
 * Makes the contributor inspectable from the browser console as `inferenceGrid` (status, this
 * tab's libp2p addresses and connections, `connectPeer(address)` to dial another tab): the first
 * thing to look at when a tab does not connect, and how the end-to-end tests prove that two
 * browsers reach each other directly. Returns the uninstall function.
 */
export function installConsoleHandle(contributor: Contributor): () => void {
  let cached: { node: unknown; diagnostics: PeerDiagnostics } | undefined
  const diagnostics = (): PeerDiagnostics | undefined => {
    const node = contributor.gridWorker()?.node()
    if (!node) return undefined
    if (cached?.node !== node) cached = { node, diagnostics: createPeerDiagnostics(node) }
    return cached.diagnostics
  }
  const handle: ConsoleHandle = {
    status: () => contributor.status(),
    addresses: () => diagnostics()?.addresses() ?? [],
    connections: () => diagnostics()?.connections() ?? [],
    async connectPeer(address, options) {
      const current = diagnostics()
      if (!current)
        throw new NetworkError('This tab is not on the grid yet: press Start first.', {
          code: 'NETWORK_DIAL_FAILED',
          details: { address },
        })
      return current.connectPeer(address, options)
    },
  }
  globalThis.inferenceGrid = handle
  return () => {
    if (globalThis.inferenceGrid === handle) globalThis.inferenceGrid = undefined
  }
}
