import { multiaddr } from '@multiformats/multiaddr'

/**
 * The CSP `connect-src` sources that let the app's libp2p node open WebSockets to these
 * multiaddrs (the gateway's own `/v1/network` list): `/ip4/10.0.0.5/tcp/8701/ws` becomes
 * `ws://10.0.0.5:8701`, `/dns4/grid.example/tcp/443/wss` (or `/tls/ws`, `/tls/sni/…/ws`) becomes
 * `wss://grid.example:443`. CSP source expressions cannot name an IPv6 literal, so an IPv6
 * address adds its scheme alone (`ws:` / `wss:`), the narrowest source that still lets it
 * connect. Anything that is not a TCP WebSocket address is left out (WebRTC is not governed by
 * connect-src); a string that does not parse is skipped rather than breaking every page.
 */
export function websocketSources(multiaddrs: readonly string[]): string[] {
  const sources = new Set<string>()
  for (const address of multiaddrs) {
    const source = websocketSource(address)
    if (source) sources.add(source)
  }
  return [...sources]
}

const hostProtocols = new Set(['ip4', 'ip6', 'dns', 'dns4', 'dns6'])
/** What may follow the TCP port, by the URL scheme it means. */
const wsTails: Record<string, 'ws' | 'wss'> = { ws: 'ws', wss: 'wss', 'tls/ws': 'wss' }

function websocketSource(address: string): string | undefined {
  let components: { name: string; value?: string | undefined }[]
  try {
    components = multiaddr(address).getComponents()
  } catch {
    return undefined
  }
  const [host, tcp, ...rest] = components
  if (!host || !hostProtocols.has(host.name) || host.value === undefined) return undefined
  if (tcp?.name !== 'tcp' || tcp.value === undefined) return undefined
  // The SNI name is for TLS only; the URL names the host. A trailing /p2p/<id> is the peer id.
  const tail = rest
    .filter((c) => c.name !== 'sni' && c.name !== 'p2p')
    .map((c) => c.name)
    .join('/')
  const scheme = wsTails[tail]
  if (!scheme) return undefined
  if (host.name === 'ip6') return `${scheme}:`
  const name = host.value.toLowerCase()
  // A name goes into a header verbatim: nothing but a host name's characters (no `;`, no space).
  if (!/^[a-z0-9.-]+$/.test(name) || !/^\d{1,5}$/.test(tcp.value)) return undefined
  return `${scheme}://${name}:${tcp.value}`
}
