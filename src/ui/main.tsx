/**
 * Entry of the contributor web app. The gateway serves the built bundle; `npm run dev` serves it
 * through Vite with the same cross-origin isolation headers. `/embed` is the page the partner
 * widget frames (src/ui/embed); every other path is the contributor app.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { createGridWagmiConfig } from '../wallet/createGridWagmiConfig.ts'
import { App } from './App.tsx'
import { EmbedPage } from './embed/EmbedPage.tsx'
import { WalletProvider } from './wallet/WalletProvider.tsx'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
const isEmbed = globalThis.location.pathname === '/embed'
if (isEmbed) {
  // The partner widget's frame: no wallet there (it contributes anonymously for the partner).
  document.documentElement.classList.add('embedded')
  createRoot(root).render(
    <StrictMode>
      <EmbedPage />
    </StrictMode>,
  )
} else {
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
}
