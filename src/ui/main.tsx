/**
 * Entry of the contributor web app. The gateway serves the built bundle; `npm run dev` serves it
 * through Vite with the same cross-origin isolation headers.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
