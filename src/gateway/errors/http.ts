import { GatewayError } from './GatewayError.ts'

export type RouteNotFoundErrorType = RouteNotFoundError & { name: 'RouteNotFoundError' }

export class RouteNotFoundError extends GatewayError<'NOT_FOUND'> {
  override name = 'RouteNotFoundError' as const

  constructor({ method, path }: { method: string; path: string }) {
    super(`No route for ${method} ${path}.`, { code: 'NOT_FOUND', details: { method, path } })
  }
}

export type ListenErrorType = ListenError & { name: 'ListenError' }

/** The HTTP server could not bind its address; the message says which setting to change. */
export class ListenError extends GatewayError<'HTTP_LISTEN_FAILED'> {
  override name = 'ListenError' as const
  readonly host: string
  readonly port: number

  constructor({ host, port, cause }: { host: string; port: number; cause?: unknown }) {
    const errno = (cause as { code?: unknown } | undefined)?.code
    super(listenMessage(host, port, errno), {
      code: 'HTTP_LISTEN_FAILED',
      cause,
      details: { host, port, errno: typeof errno === 'string' ? errno : null },
    })
    this.host = host
    this.port = port
  }
}

function listenMessage(host: string, port: number, errno: unknown): string {
  switch (errno) {
    case 'EADDRINUSE':
      return `Port ${port} on ${host} is already in use. Stop the process using it, or pass --port with another port (0 picks a free one).`
    case 'EACCES':
      return `Not allowed to listen on port ${port} on ${host}. Use a port above 1023, or run with the privilege to bind it.`
    case 'EADDRNOTAVAIL':
      return `${host} is not an address of this machine. Check --host (127.0.0.1 for this machine only, 0.0.0.0 for every interface).`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The host name ${host} does not resolve. Check --host.`
    default:
      return `Cannot listen on ${host}:${port}.`
  }
}

export type HttpErrorCode =
  | 'BAD_REQUEST'
  | 'FORBIDDEN'
  | 'METHOD_NOT_ALLOWED'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'RANGE_NOT_SATISFIABLE'

export type HttpErrorType = HttpError & { name: 'HttpError' }

/** A request refused by fastify or one of its plugins (bad URL, traversal, bad range...). */
export class HttpError extends GatewayError<HttpErrorCode> {
  override name = 'HttpError' as const
}
