import type { Address } from 'viem'
import { getConnection, signTypedData, switchChain } from 'wagmi/actions'
import { fetchNetworkInfo } from '../../p2p/fetchNetworkInfo.ts'
import type { GridWagmiConfig } from '../../wallet/createGridWagmiConfig.ts'
import {
  type DelegatedSession,
  getDelegatedSession,
  toWalletError,
} from '../../wallet/getDelegatedSession.ts'
import type { SessionKeyStore } from '../../wallet/SessionKeyStore.ts'
import { WalletError } from '../../wallet/WalletError.ts'

export type DelegateSessionParameters = {
  config: GridWagmiConfig
  wallet: Address
  store: SessionKeyStore
  baseUrl: string
  signal?: AbortSignal | undefined
}

/**
 * The contributor page's side of delegation: learns the grid's chain and origins from the gateway,
 * checks this page may delegate, switches the wallet to the grid's chain if needed (a wallet signs
 * EIP-712 only for its active chain), then gets the stored session or asks for ONE signature.
 */
export async function delegateSession(
  parameters: DelegateSessionParameters,
): Promise<DelegatedSession> {
  const { config, wallet, store, baseUrl, signal } = parameters
  const info = await fetchNetworkInfo({ baseUrl, signal })
  const origin = globalThis.location.origin
  if (!info.origins.includes(origin))
    throw new WalletError(
      `This gateway accepts delegations for ${info.origins.join(', ')}, not for ${origin}. Open the grid at one of those addresses, or ask the operator to add this one (--grid-origins).`,
      { code: 'WALLET_ORIGIN_NOT_ALLOWED', details: { origin } },
    )
  return getDelegatedSession({
    wallet,
    chainId: info.chainId,
    origin,
    baseUrl,
    store,
    signal,
    async signTypedData(typedData) {
      const connection = getConnection(config)
      if (connection.address?.toLowerCase() !== wallet.toLowerCase())
        throw new WalletError('The wallet no longer holds the account this tab was started for.', {
          code: 'WALLET_NOT_CONNECTED',
        })
      if (connection.chainId !== info.chainId) {
        try {
          await switchChain(config, {
            chainId: info.chainId as GridWagmiConfig['chains'][number]['id'],
          })
        } catch (error) {
          throw new WalletError(
            `The grid signs on chain ${info.chainId}; the wallet is on ${connection.chainId} and did not switch. Switch it in the wallet and press Start again.`,
            { code: 'WALLET_WRONG_CHAIN', cause: error },
          )
        }
      }
      try {
        return await signTypedData(config, { account: wallet, ...typedData })
      } catch (error) {
        throw toWalletError(error)
      }
    },
  })
}
