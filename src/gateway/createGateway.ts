import { randomUUID } from 'node:crypto'
import { stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { GatewayConfig } from './config/GatewayConfig.ts'
import type { JobNetwork } from './createJobNetwork.ts'
import { ListenError } from './errors/http.ts'
import type { DatabaseUnavailableError } from './errors/storage.ts'
import { createHttpServer } from './http/createHttpServer.ts'
import { websocketSources } from './http/websocketSources.ts'
import { type Logger, namespacedLogger } from './logging/createLogger.ts'
import type { GatewayMetrics } from './metrics/createMetrics.ts'
import type { ModelRegistry } from './models/ModelRegistry.ts'
import { readPackageVersion } from './readPackageVersion.ts'
import type { Startable } from './Startable.ts'
import type { GatewayDatabase } from './storage/GatewayDatabase.ts'

export type GatewayComponents = {
  config: Pick<GatewayConfig, 'host' | 'port' | 'appDir' | 'publicUrl'> &
    Partial<Pick<GatewayConfig, 'operatorToken' | 'maxModelUploadBytes'>>
  logger: Logger
  /** Owned by the gateway from now on: `stop()` closes it. */
  database: GatewayDatabase
  metrics: GatewayMetrics
  /** Defaults to package.json's version. */
  version?: string | undefined
  /**
   * The models it serves (`/v1/models`, `/models/:id`); started before the gateway listens, so
   * every manifest is ready. Without one, no model routes exist.
   */
  models?: ModelRegistry | undefined
  /**
   * The job network (libp2p host, scheduler, work protocol, requester API): its routes are added
   * and it starts before the gateway listens; it stops first. Without one, none of that exists.
   */
  jobNetwork?: JobNetwork | undefined
  /**
   * The demo requester (src/gateway/demo): starts once the gateway listens (models ready, the
   * scheduler running) and stops first, before the job network it submits to.
   */
  demo?: Startable | undefined
}

export type GatewayAddress = {
  host: string
  /** The bound port: the one the OS chose when the config asked for 0. */
  port: number
  /** The URL of this listener, e.g. http://127.0.0.1:8700/ */
  listenUrl: string
  /** What people open: the configured public URL, else `listenUrl`. */
  url: string
}

export type Gateway = Startable & {
  /** Where the gateway listens; throws before `start()` has resolved. */
  address(): GatewayAddress
  /** A stable id created at the first start and kept in the database. */
  gatewayId(): string
}

export type CreateGatewayReturnType = Gateway

export type GatewayStartErrorType = ListenError | DatabaseUnavailableError

/**
 * The gateway as one service: wires its injected components (config, logger, database, metrics)
 * into the HTTP server, and starts and stops them in order. `main` builds the real components;
 * tests build the same ones on a temporary directory.
 */
export function createGateway(components: GatewayComponents): CreateGatewayReturnType {
  const { config, database, metrics } = components
  const logger = namespacedLogger(components.logger, 'gateway:main')
  const version = components.version ?? readPackageVersion()
  let http: FastifyInstance | undefined
  let address: GatewayAddress | undefined
  let id: string | undefined
  let started = false

  return {
    isStarted: () => started,

    address() {
      if (!address) throw new Error('The gateway is not listening: await start() first.')
      return address
    },

    gatewayId() {
      if (!id) throw new Error('The gateway has not started: await start() first.')
      return id
    },

    async start() {
      if (started) return
      const startedAt = performance.now()
      id = await database.ensureMeta('gateway_id', randomUUID())
      await components.models?.start()
      const { jobNetwork } = components
      const server = createHttpServer(
        { appDir: config.appDir, version, startedAt },
        {
          logger: components.logger,
          metrics,
          database,
          // The app's libp2p node dials these WebSocket listeners: the pages' CSP must allow them.
          connectSources:
            jobNetwork && (() => websocketSources(jobNetwork.networkInfo().websocket)),
          models: components.models && {
            registry: components.models,
            operatorToken: config.operatorToken,
            maxUploadBytes: config.maxModelUploadBytes ?? 200 * 1024 * 1024,
          },
        },
      )
      if (components.jobNetwork) {
        components.jobNetwork.registerRoutes(server)
        try {
          await components.jobNetwork.start()
        } catch (error) {
          await server.close().catch(() => undefined)
          await components.models?.stop().catch(() => undefined)
          throw error
        }
      }
      try {
        await server.listen({ host: config.host, port: config.port })
      } catch (error) {
        await server.close().catch(() => undefined)
        await components.jobNetwork?.stop().catch(() => undefined)
        await components.models?.stop().catch(() => undefined)
        throw new ListenError({ host: config.host, port: config.port, cause: error })
      }
      http = server
      address = toAddress(config, server.server.address() as AddressInfo)
      started = true
      // Not worth failing the start for: without it the grid still serves real requesters.
      await components.demo
        ?.start()
        .catch((error) => logger.error({ err: error }, 'demo requester failed to start'))

      const appReady = await stat(path.join(config.appDir, 'index.html')).then(
        (s) => s.isFile(),
        () => false,
      )
      if (!appReady)
        logger.warn(
          { appDir: config.appDir },
          'no built app (index.html) in the app directory: serving a page that says to run `npm run build`',
        )
      logger.info(
        {
          url: address.url,
          listenUrl: address.listenUrl,
          host: address.host,
          port: address.port,
          gatewayId: id,
          version,
          appDir: config.appDir,
          appReady,
          database: database.location,
        },
        'listening',
      )
    },

    async stop() {
      if (!started && !http) {
        await components.models?.stop()
        await database.close()
        return
      }
      started = false
      try {
        await components.demo
          ?.stop()
          .catch((error) => logger.error({ err: error }, 'demo requester stop failed'))
        // Workers first (told the gateway is stopping, their leases released), which also ends
        // long-polls that would otherwise hold HTTP's close open.
        await components.jobNetwork
          ?.stop()
          .catch((error) => logger.error({ err: error }, 'job network stop failed'))
        // fastify answers 503 to new requests, closes idle keep-alive sockets and waits for
        // in-flight ones; the caller bounds how long that may take.
        await http?.close()
      } finally {
        http = undefined
        address = undefined
        await components.models
          ?.stop()
          .catch((error) => logger.error({ err: error }, 'models stop failed'))
        // Even if closing HTTP failed: an unclosed database keeps its WAL unmerged.
        await database.close()
      }
      logger.info('stopped')
    },
  }
}

function toAddress(config: Pick<GatewayConfig, 'publicUrl'>, bound: AddressInfo): GatewayAddress {
  const listenUrl = `http://${urlHost(bound.address)}:${bound.port}/`
  return { host: bound.address, port: bound.port, listenUrl, url: config.publicUrl ?? listenUrl }
}

/** A host as it goes in a URL a person can open: a wildcard bind is reachable as localhost. */
function urlHost(address: string): string {
  if (address === '0.0.0.0' || address === '::') return 'localhost'
  return address.includes(':') ? `[${address}]` : address
}
