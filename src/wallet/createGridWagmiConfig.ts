import { type Chain, http } from 'viem'
import { base, baseSepolia, foundry } from 'viem/chains'
import { type Config, type CreateConnectorFn, createConfig } from 'wagmi'

/**
 * The chains a grid may sign and settle on: Base and Base Sepolia (an L2, so payouts cost
 * cents), and anvil (31337) for development, the gateway's default. The gateway's --chain-id
 * picks one; the contributor's wallet is asked to switch to it before it signs.
 */
export const gridChains = [foundry, base, baseSepolia] as const satisfies readonly [
  Chain,
  ...Chain[],
]

export type GridChainId = (typeof gridChains)[number]['id']

export type CreateGridWagmiConfigParameters = {
  /**
   * A WalletConnect Cloud project id. Without one there is no WalletConnect connector (and its
   * SDK is never loaded); with one, `@walletconnect/ethereum-provider` must be installed.
   */
  walletConnectProjectId?: string | undefined
  /** The page's origin, shown to the phone wallet (WalletConnect metadata). */
  appUrl?: string | undefined
}

export type GridWagmiConfig = Config<typeof gridChains>

/**
 * The app's one wagmi config. Browser wallets are found through EIP-6963 (every wallet that
 * announces itself gets a connector, no list to keep); WalletConnect is added only when a project
 * id is configured, and loaded lazily so the page does not carry its SDK otherwise. No storage
 * of the connection beyond wagmi's default (localStorage), so a reload reconnects silently.
 */
export async function createGridWagmiConfig(
  parameters: CreateGridWagmiConfigParameters = {},
): Promise<GridWagmiConfig> {
  const connectors: CreateConnectorFn[] = []
  if (parameters.walletConnectProjectId) {
    const { walletConnect } = await import('@wagmi/connectors/walletConnect')
    connectors.push(
      walletConnect({
        projectId: parameters.walletConnectProjectId,
        metadata: {
          name: 'Inference Grid',
          description: 'Lend this tab to run open AI models; verified work earns credit.',
          url: parameters.appUrl ?? globalThis.location.origin,
          icons: [],
        },
      }),
    )
  }
  return createConfig({
    chains: gridChains,
    connectors,
    multiInjectedProviderDiscovery: true,
    transports: {
      [foundry.id]: http(),
      [base.id]: http(),
      [baseSepolia.id]: http(),
    },
  })
}
