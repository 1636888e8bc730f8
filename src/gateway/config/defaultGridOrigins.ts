/**
 * The web origins a wallet delegation may name when --grid-origins is not given: the public URL's
 * origin when one is configured, else the listening URL's, plus its localhost / 127.0.0.1 twin
 * (a browser on the gateway's machine may open either).
 */
export function defaultGridOrigins(urls: { url: string; listenUrl: string }): string[] {
  const origins = new Set([new URL(urls.url).origin])
  if (urls.url === urls.listenUrl) {
    const listen = new URL(urls.listenUrl)
    for (const host of ['localhost', '127.0.0.1']) {
      if (listen.hostname === 'localhost' || listen.hostname === '127.0.0.1') {
        origins.add(`${listen.protocol}//${host}${listen.port ? `:${listen.port}` : ''}`)
      }
    }
  }
  return [...origins]
}
