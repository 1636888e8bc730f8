/**
 * Entry of the contributor web app. The gateway serves the built bundle; `npm run dev` serves it
 * through Vite with the same cross-origin isolation headers. `/embed` is the page the partner
 * widget frames (src/ui/embed); every other path is the contributor app.
 */
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { App } from './App.tsx'
import { EmbedPage } from './embed/EmbedPage.tsx'
import './styles.css'

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')
const isEmbed = globalThis.location.pathname === '/embed'
if (isEmbed) document.documentElement.classList.add('embedded')
createRoot(root).render(<StrictMode>{isEmbed ? <EmbedPage /> : <App />}</StrictMode>)
