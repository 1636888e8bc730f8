/**
 * The lifecycle contract of libp2p's services (`@libp2p/interface`'s Startable), restated here so
 * the gateway's services follow it before the gateway depends on libp2p. `start` and `stop` are
 * idempotent; `stop` releases everything `start` acquired.
 */
export interface Startable {
  start(): Promise<void>
  stop(): Promise<void>
  isStarted(): boolean
}
