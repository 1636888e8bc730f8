import type { MouseEvent, ReactNode } from 'react'
import { navigate, type Route, useRoute } from './useRoute.ts'

export type NavLinkProps = { to: Route; children: ReactNode }

/** A link to one of the app's pages: a real href (new tab, copy link) that navigates in place. */
export function NavLink({ to, children }: NavLinkProps) {
  const current = useRoute() === to
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
      return
    event.preventDefault()
    navigate(to)
    globalThis.scrollTo?.(0, 0)
    // Screen readers and keyboard users start at the new page's content, as after a page load.
    document.getElementById('main')?.focus({ preventScroll: true })
  }
  return (
    <a href={to} onClick={onClick} aria-current={current ? 'page' : undefined}>
      {children}
    </a>
  )
}
