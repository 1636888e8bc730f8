import { useSyncExternalStore } from 'react'

/** The app's pages; anything else shows the contributor page. */
export type Route = '/' | '/dashboard' | '/network'

const routes: readonly Route[] = ['/', '/dashboard', '/network']
const listeners = new Set<() => void>()

export function toRoute(pathname: string): Route {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname
  return routes.find((route) => route === trimmed) ?? '/'
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  globalThis.addEventListener('popstate', listener)
  return () => {
    listeners.delete(listener)
    globalThis.removeEventListener('popstate', listener)
  }
}

/**
 * Moves to another page without reloading, so a running contributor keeps working while its
 * owner reads the dashboard or the network page.
 */
export function navigate(route: Route): void {
  if (toRoute(globalThis.location.pathname) === route) return
  globalThis.history.pushState(null, '', route)
  for (const listener of listeners) listener()
}

/** The page the address bar names (client-side routes; the gateway serves index.html for each). */
export function useRoute(): Route {
  return useSyncExternalStore(subscribe, () => toRoute(globalThis.location.pathname))
}
