/**
 * Entry of the contributor web app. The gateway serves the built bundle; `npm run dev` serves it
 * through Vite with the same cross-origin isolation headers.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createGridWagmiConfig } from '../wallet/createGridWagmiConfig.ts'
import { App } from './App.tsx'
import { WalletProvider } from './wallet/WalletProvider.tsx'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
// WalletConnect only with a project id at build time (VITE_WALLETCONNECT_PROJECT_ID); browser
// wallets are discovered through EIP-6963 either way.
const config = await createGridWagmiConfig({
  walletConnectProjectId: import.meta.env.VITE_WALLETCONNECT_PROJECT_ID || undefined,
})
createRoot(root).render(
  <StrictMode>
    <WalletProvider config={config}>
      <App />
    </WalletProvider>
  </StrictMode>,
)
