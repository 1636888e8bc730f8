/**
 * Node 20 polyfills for libp2p 3. Every Node entry point imports this module first.
 *
 * libp2p 3 calls `Promise.withResolvers` (Node >= 22) and dials WebSockets through the global
 * `WebSocket` (Node >= 22). On Node 22+ both exist and this module changes nothing.
 */
import { WebSocket as WsWebSocket } from 'ws'

type Resolvers<T> = {
  promise: Promise<T>
  resolve: (value: T | PromiseLike<T>) => void
  reject: (reason?: unknown) => void
}

const PromiseCtor = Promise as PromiseConstructor & { withResolvers?: <T>() => Resolvers<T> }
if (typeof PromiseCtor.withResolvers !== 'function') {
  PromiseCtor.withResolvers = <T>(): Resolvers<T> => {
    let resolve!: Resolvers<T>['resolve']
    let reject!: Resolvers<T>['reject']
    const promise = new Promise<T>((res, rej) => {
      resolve = res
      reject = rej
    })
    return { promise, resolve, reject }
  }
}

const g = globalThis as { WebSocket?: unknown }
if (typeof g.WebSocket === 'undefined') g.WebSocket = WsWebSocket
