import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { multiaddr } from '@multiformats/multiaddr'
import { ConfigError } from '../errors/config.ts'
import type { GatewayNodeConfig, IceServer } from '../p2p/createGatewayNode.ts'
import {
  type ConfigOptionKey,
  createSettingReader,
  type RawSetting,
} from './createSettingReader.ts'
import { parseArgsOptions } from './parseArgsOptions.ts'

/** Settings of the job network (issue 4), read from the same flags and variables as the rest. */
export type JobNetworkConfig = {
  p2p: GatewayNodeConfig
  leaseMs: number
  maxAttempts: number
  heartbeatMs: number
  maxWorkerSlots: number
  chainId: number
  /** Origins a delegation may name; undefined: derive from the public or listening URL. */
  gridOrigins: string[] | undefined
  /** JSON-RPC URL for ERC-1271/6492 checks; undefined: smart-contract wallets are refused. */
  rpcUrl: string | undefined
  apiMaxBodyBytes: number
  apiMaxWaitSeconds: number
  verification: VerificationConfig
  limits: LimitsConfig
}

/** Abuse limits (issue 9). 0 in a `max...` field: no limit. */
export type LimitsConfig = {
  /** Routes without an API key: requests per second and burst per IP address. */
  ipRatePerSecond: number
  ipBurst: number
  /** Jobs open (queued or leased) per API key. */
  maxOpenJobsPerKey: number
  /** Input tensor bytes of one job. */
  maxJobInputBytes: number
  /** Work-protocol frames per second per peer (burst: twice that). */
  workFrameRate: number
  maxSessionsPerWallet: number
  maxSessionsPerIp: number
  /** Output bytes of one result. */
  maxResultBytes: number
}

/** Verification and ledger settings (issue 6). */
export type VerificationConfig = {
  /** Micro-credits per verified result for jobs that name no price. */
  defaultPrice: bigint
  workerShareBps: number
  partnerShareBps: number
  spotCheckFloor: number
  spotCheckProbation: number
  suspendAfterInvalid: number
  holdbackMs: number
}

export type ParseJobNetworkConfigParameters = {
  args: readonly string[]
  env?: Readonly<Record<string, string | undefined>> | undefined
  /** The HTTP --host: the default listeners bind the same interface. */
  host: string
}

/**
 * Reads the job network's options (see the "Job network" section of configOptions.ts): a flag
 * wins over its variable, which wins over the default. Unknown flags were already refused by
 * parseConfig, which reads the same table. Throws a ConfigError naming the setting.
 */
export function parseJobNetworkConfig(
  parameters: ParseJobNetworkConfigParameters,
): JobNetworkConfig {
  const env = parameters.env ?? {}
  let values: Record<string, unknown>
  try {
    ;({ values } = parseArgs({
      args: [...parameters.args],
      options: parseArgsOptions,
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error), {
      code: 'CONFIG_INVALID_VALUE',
      cause: error,
    })
  }
  const read = createSettingReader(values, env)
  const int = (key: ConfigOptionKey, fallback: number, min: number, max: number) =>
    integer(read(key), min, max) ?? fallback

  const listenHost = listenHostOf(parameters.host)
  const wsPort = int('p2pWsPort', 8701, 0, 65_535)
  const webrtcPort = int('p2pWebrtcPort', 8702, 0, 65_535)
  const family = isIP(listenHost) === 6 ? 'ip6' : 'ip4'
  const listen = multiaddrList(read('p2pListen')) ?? [
    `/${family}/${listenHost}/tcp/${wsPort}/ws`,
    `/${family}/${listenHost}/udp/${webrtcPort}/webrtc-direct`,
  ]
  const heartbeatMs = int('heartbeatMs', 10_000, 100, 600_000)
  return {
    p2p: {
      listen,
      announce: multiaddrList(read('p2pAnnounce')) ?? [],
      iceServers: iceServers(read('iceServers')),
      maxConnections: int('p2pMaxConnections', 2048, 1, 1_000_000),
      inboundConnectionsPerHostPerSecond: int('p2pInboundRate', 20, 1, 1_000_000),
      maxPendingInboundConnections: 256,
      maxConnectionsPerIp: int('p2pMaxConnectionsPerIp', 256, 0, 1_000_000),
      relay: {
        maxReservations: int('relayMaxReservations', 1024, 0, 1_000_000),
        reservationTtlMs: 2 * 60 * 60_000,
        durationLimitMs: int('relayDurationLimitMs', 120_000, 1000, 86_400_000),
        dataLimitBytes: int('relayDataLimitBytes', 1_048_576, 1024, 2 ** 40),
        maxInboundHopStreams: 64,
      },
    },
    leaseMs: int('leaseMs', 30_000, 100, 86_400_000),
    maxAttempts: int('maxAttempts', 3, 1, 100),
    heartbeatMs,
    maxWorkerSlots: int('maxWorkerSlots', 16, 1, 256),
    chainId: int('chainId', 31_337, 1, Number.MAX_SAFE_INTEGER),
    gridOrigins: origins(read('gridOrigins')),
    rpcUrl: httpUrl(read('rpcUrl')),
    apiMaxBodyBytes: int('apiMaxBodyMib', 64, 1, 2047) * 1024 * 1024,
    apiMaxWaitSeconds: int('apiMaxWaitS', 60, 0, 3600),
    verification: verificationConfig(read, int),
    limits: {
      ipRatePerSecond: int('ipRate', 20, 1, 1_000_000),
      ipBurst: int('ipBurst', 200, 1, 1_000_000),
      maxOpenJobsPerKey: int('maxOpenJobsPerKey', 10_000, 1, 100_000_000),
      maxJobInputBytes: int('maxJobInputMib', 16, 1, 31) * 1024 * 1024,
      workFrameRate: int('workFrameRate', 2000, 1, 1_000_000),
      maxSessionsPerWallet: int('maxSessionsPerWallet', 64, 0, 1_000_000),
      maxSessionsPerIp: int('maxSessionsPerIp', 256, 0, 1_000_000),
      maxResultBytes: int('maxResultMib', 16, 1, 31) * 1024 * 1024,
    },
  }
}

function verificationConfig(
  read: ReturnType<typeof createSettingReader>,
  int: (key: ConfigOptionKey, fallback: number, min: number, max: number) => number,
): VerificationConfig {
  const workerShareBps = int('workerShareBps', 7000, 0, 10_000)
  const partnerShareBps = int('partnerShareBps', 1000, 0, 10_000)
  if (workerShareBps + partnerShareBps > 10_000) {
    const raw = read('partnerShareBps') ?? read('workerShareBps')
    if (raw)
      throw invalid(
        raw,
        `at most ${10_000 - workerShareBps} with a worker share of ${workerShareBps} bps (together at most 10000)`,
      )
  }
  const floorRaw = read('spotCheckFloor')
  let spotCheckFloor = 0.01
  if (floorRaw) {
    spotCheckFloor = /^(0(\.\d+)?|1(\.0+)?)$/.test(floorRaw.raw) ? Number(floorRaw.raw) : Number.NaN
    if (!(spotCheckFloor >= 0 && spotCheckFloor <= 1))
      throw invalid(floorRaw, 'a fraction from 0 to 1, such as 0.02')
  }
  return {
    defaultPrice: BigInt(int('jobPrice', 1000, 0, Number.MAX_SAFE_INTEGER)),
    workerShareBps,
    partnerShareBps,
    spotCheckFloor,
    spotCheckProbation: int('spotCheckProbation', 10, 0, 1_000_000),
    suspendAfterInvalid: int('suspendAfterInvalid', 2, 1, 1_000_000),
    holdbackMs: int('creditHoldbackS', 86_400, 0, 365 * 86_400) * 1000,
  }
}

/** libp2p listens on addresses, not names: `localhost` means loopback, other names every interface. */
function listenHostOf(host: string): string {
  if (isIP(host) !== 0) return host
  return host === 'localhost' ? '127.0.0.1' : '0.0.0.0'
}

function invalid(raw: NonNullable<RawSetting>, expectation: string): ConfigError {
  return new ConfigError(`${raw.source} must be ${expectation}; got "${raw.raw}".`, {
    code: 'CONFIG_INVALID_VALUE',
    source: raw.source,
    value: raw.raw,
  })
}

function integer(raw: RawSetting, min: number, max: number): number | undefined {
  if (!raw) return undefined
  const value = /^\d{1,16}$/.test(raw.raw) ? Number(raw.raw) : Number.NaN
  if (!(value >= min && value <= max)) throw invalid(raw, `a whole number from ${min} to ${max}`)
  return value
}

function httpUrl(raw: RawSetting): string | undefined {
  if (!raw) return undefined
  let url: URL | undefined
  try {
    url = new URL(raw.raw)
  } catch {
    url = undefined
  }
  if (!url || !['http:', 'https:'].includes(url.protocol))
    throw invalid(raw, 'an http:// or https:// URL')
  return url.toString()
}

function list(raw: RawSetting): string[] | undefined {
  if (!raw) return undefined
  return raw.raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

function multiaddrList(raw: RawSetting): string[] | undefined {
  const items = list(raw)
  if (!raw || !items) return undefined
  for (const item of items) {
    try {
      multiaddr(item)
    } catch {
      throw invalid(raw, 'comma-separated multiaddrs such as /ip4/0.0.0.0/tcp/8701/ws')
    }
  }
  return items
}

function iceServers(raw: RawSetting): IceServer[] {
  const items = list(raw)
  if (!raw || !items) return []
  for (const item of items)
    if (!/^(stun|stuns|turn|turns):\S+$/.test(item))
      throw invalid(raw, 'comma-separated stun:, stuns:, turn: or turns: URLs')
  return [{ urls: items }]
}

function origins(raw: RawSetting): string[] | undefined {
  const items = list(raw)
  if (!raw || !items) return undefined
  return items.map((item) => {
    const url = URL.canParse(item) ? new URL(item) : undefined
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.origin !== item.replace(/\/$/, '')
    )
      throw invalid(raw, 'comma-separated origins such as https://grid.example.org')
    return url.origin
  })
}
