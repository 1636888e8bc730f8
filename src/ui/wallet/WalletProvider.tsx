import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { type ReactNode, useState } from 'react'
import { WagmiProvider } from 'wagmi'
import type { GridWagmiConfig } from '../../wallet/createGridWagmiConfig.ts'

/** wagmi and react-query for the whole app: the one wallet context every card reads. */
export function WalletProvider({
  config,
  children,
}: {
  config: GridWagmiConfig
  children: ReactNode
}) {
  const [queryClient] = useState(() => new QueryClient())
  return (
    <WagmiProvider config={config}>
      <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
    </WagmiProvider>
  )
}
