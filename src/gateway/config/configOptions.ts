/**
 * One table describes every option: its flag, environment variable, default and help line. The
 * parser, the help text and the tests all read it, so an option cannot exist in one and not the
 * others.
 */
export type ConfigOptionSpec = {
  /** Long flag without the dashes. */
  flag: string
  short?: string
  /** Placeholder for the value in help; absent for boolean switches. */
  value?: string
  env?: string
  /** The default as shown in help. */
  default?: string
  description: string
}

export const configOptions = {
  host: {
    flag: 'host',
    value: '<host>',
    env: 'INFERENCE_GRID_HOST',
    default: '127.0.0.1',
    description: 'Interface to listen on; 0.0.0.0 for every interface.',
  },
  port: {
    flag: 'port',
    short: 'p',
    value: '<port>',
    env: 'INFERENCE_GRID_PORT',
    default: '8700',
    description: 'TCP port, 0 to 65535; 0 picks a free one (printed at start).',
  },
  dataDir: {
    flag: 'data-dir',
    value: '<dir>',
    env: 'INFERENCE_GRID_DATA_DIR',
    default: './data',
    description: 'Directory for the database (grid.sqlite); created if missing.',
  },
  appDir: {
    flag: 'app-dir',
    value: '<dir>',
    env: 'INFERENCE_GRID_APP_DIR',
    default: './dist',
    description: 'Directory of the built web app (the output of `npm run build`).',
  },
  logLevel: {
    flag: 'log-level',
    value: '<level>',
    env: 'INFERENCE_GRID_LOG_LEVEL',
    default: 'info',
    description: 'fatal, error, warn, info, debug, trace or silent (logs are JSON lines).',
  },
  publicUrl: {
    flag: 'public-url',
    value: '<url>',
    env: 'INFERENCE_GRID_PUBLIC_URL',
    default: '(none)',
    description: 'The URL people open when a proxy sits in front; printed at start.',
  },
  buildIfNeeded: {
    flag: 'build-if-needed',
    env: 'INFERENCE_GRID_BUILD_IF_NEEDED',
    default: 'off',
    description: 'Before listening, build the app with Vite if it is missing or older than src/.',
  },
  noBuild: {
    flag: 'no-build',
    description: 'Never build: serve the app directory as it is (wins over the variable).',
  },
  shutdownTimeoutMs: {
    flag: 'shutdown-timeout-ms',
    value: '<ms>',
    env: 'INFERENCE_GRID_SHUTDOWN_TIMEOUT_MS',
    default: '10000',
    description: 'How long a graceful shutdown may take before the process exits.',
  },
  operatorToken: {
    flag: 'operator-token',
    value: '<token>',
    env: 'INFERENCE_GRID_OPERATOR_TOKEN',
    default: '(none: operator routes off)',
    description:
      'Secret (16+ characters) that operator routes require as "Authorization: Bearer <token>", e.g. POST /v1/models to add a model. Prefer the variable: flags show in ps.',
  },
  maxModelUploadMib: {
    flag: 'max-model-upload-mib',
    value: '<MiB>',
    env: 'INFERENCE_GRID_MAX_MODEL_UPLOAD_MIB',
    default: '200',
    description: 'Largest ONNX model POST /v1/models accepts, in MiB (1 to 2047).',
  },
  // ---- Job network (issue 4): libp2p host, relay, scheduler, work protocol, requester API.
  // Parsed by parseJobNetworkConfig.ts.
  p2pWsPort: {
    flag: 'p2p-ws-port',
    value: '<port>',
    env: 'INFERENCE_GRID_P2P_WS_PORT',
    default: '8701',
    description: 'TCP port of the libp2p WebSocket listener on --host; 0 picks a free one.',
  },
  p2pWebrtcPort: {
    flag: 'p2p-webrtc-port',
    value: '<port>',
    env: 'INFERENCE_GRID_P2P_WEBRTC_PORT',
    default: '8702',
    description: 'UDP port of the libp2p WebRTC-Direct listener on --host; 0 picks a free one.',
  },
  p2pListen: {
    flag: 'p2p-listen',
    value: '<multiaddrs>',
    env: 'INFERENCE_GRID_P2P_LISTEN',
    default: '(WebSocket and WebRTC-Direct on --host and the two ports above)',
    description: 'Comma-separated libp2p listen multiaddrs; replaces the default listeners.',
  },
  p2pAnnounce: {
    flag: 'p2p-announce',
    value: '<multiaddrs>',
    env: 'INFERENCE_GRID_P2P_ANNOUNCE',
    default: '(the listening addresses)',
    description:
      'Comma-separated public multiaddrs to publish in GET /v1/network (behind NAT or a proxy).',
  },
  iceServers: {
    flag: 'ice-servers',
    value: '<urls>',
    env: 'INFERENCE_GRID_ICE_SERVERS',
    default: '(none)',
    description:
      'Comma-separated STUN/TURN URLs for WebRTC (e.g. stun:stun.example.org:3478). None by default: nothing is sent to public STUN servers.',
  },
  p2pMaxConnections: {
    flag: 'p2p-max-connections',
    value: '<n>',
    env: 'INFERENCE_GRID_P2P_MAX_CONNECTIONS',
    default: '2048',
    description: 'Most open libp2p connections (workers and relayed browsers).',
  },
  p2pInboundRate: {
    flag: 'p2p-inbound-rate',
    value: '<n>',
    env: 'INFERENCE_GRID_P2P_INBOUND_RATE',
    default: '20',
    description: 'New libp2p connections accepted per second from one IP address.',
  },
  relayMaxReservations: {
    flag: 'relay-max-reservations',
    value: '<n>',
    env: 'INFERENCE_GRID_RELAY_MAX_RESERVATIONS',
    default: '1024',
    description: 'Most browsers holding a circuit-relay reservation (to be dialable by others).',
  },
  relayDurationLimitMs: {
    flag: 'relay-duration-limit-ms',
    value: '<ms>',
    env: 'INFERENCE_GRID_RELAY_DURATION_LIMIT_MS',
    default: '120000',
    description:
      'A relayed connection (WebRTC signalling between browsers) is cut after this long.',
  },
  relayDataLimitBytes: {
    flag: 'relay-data-limit-bytes',
    value: '<bytes>',
    env: 'INFERENCE_GRID_RELAY_DATA_LIMIT_BYTES',
    default: '1048576',
    description: '... or after this many bytes, whichever comes first.',
  },
  leaseMs: {
    flag: 'lease-ms',
    value: '<ms>',
    env: 'INFERENCE_GRID_LEASE_MS',
    default: '30000',
    description: 'How long a worker has to return a job’s result before the job is requeued.',
  },
  maxAttempts: {
    flag: 'max-attempts',
    value: '<n>',
    env: 'INFERENCE_GRID_MAX_ATTEMPTS',
    default: '3',
    description:
      'Failed attempts (expired lease, lost worker, worker error) before a job fails, unless the job sets its own.',
  },
  heartbeatMs: {
    flag: 'heartbeat-ms',
    value: '<ms>',
    env: 'INFERENCE_GRID_HEARTBEAT_MS',
    default: '10000',
    description: 'Heartbeat interval on work streams; a worker silent for 3 intervals is dropped.',
  },
  maxWorkerSlots: {
    flag: 'max-worker-slots',
    value: '<n>',
    env: 'INFERENCE_GRID_MAX_WORKER_SLOTS',
    default: '16',
    description: 'Most jobs one worker may hold at once, whatever it asks for.',
  },
  chainId: {
    flag: 'chain-id',
    value: '<id>',
    env: 'INFERENCE_GRID_CHAIN_ID',
    default: '31337',
    description: 'Chain id of the EIP-712 domain delegations and results are signed in.',
  },
  gridOrigins: {
    flag: 'grid-origins',
    value: '<origins>',
    env: 'INFERENCE_GRID_ORIGINS',
    default: '(the public URL, else the listening URL)',
    description: 'Comma-separated web origins a wallet delegation may name.',
  },
  rpcUrl: {
    flag: 'rpc-url',
    value: '<url>',
    env: 'INFERENCE_GRID_RPC_URL',
    default: '(none: smart-contract wallets are refused)',
    description:
      'JSON-RPC endpoint of the grid’s chain, to verify smart-contract wallet signatures (ERC-1271/6492) of delegations and sign-ins.',
  },
  apiMaxBodyMib: {
    flag: 'api-max-body-mib',
    value: '<MiB>',
    env: 'INFERENCE_GRID_API_MAX_BODY_MIB',
    default: '64',
    description:
      'Largest requester API body (JSON or CBOR), in MiB; over it: 413 PAYLOAD_TOO_LARGE. One job’s inputs have their own limit (--max-job-input-mib).',
  },
  apiMaxWaitS: {
    flag: 'api-max-wait-s',
    value: '<s>',
    env: 'INFERENCE_GRID_API_MAX_WAIT_S',
    default: '60',
    description: 'Longest long-poll, GET /v1/jobs/:id?wait=<s>.',
  },
  // ---- Abuse limits (issue 9). Parsed by parseJobNetworkConfig.ts; docs/ARCHITECTURE.md, "Abuse
  // limits", says what each refusal looks like.
  ipRate: {
    flag: 'ip-rate',
    value: '<req/s>',
    env: 'INFERENCE_GRID_IP_RATE',
    default: '20',
    description:
      'Requests per second one IP address may make to routes without an API key (sign-in, delegation nonces, ledger, earnings); over it: 429 IP_RATE_LIMITED.',
  },
  ipBurst: {
    flag: 'ip-burst',
    value: '<n>',
    env: 'INFERENCE_GRID_IP_BURST',
    default: '200',
    description: '... and how many of them may come at once (token bucket size).',
  },
  maxOpenJobsPerKey: {
    flag: 'max-open-jobs-per-key',
    value: '<n>',
    env: 'INFERENCE_GRID_MAX_OPEN_JOBS_PER_KEY',
    default: '10000',
    description:
      'Most jobs one API key may have queued or running; a submission that would pass it is 429 REQUESTER_QUEUE_FULL.',
  },
  workFrameRate: {
    flag: 'work-frame-rate',
    value: '<frames/s>',
    env: 'INFERENCE_GRID_WORK_FRAME_RATE',
    default: '2000',
    description:
      'Work-protocol frames per second one libp2p peer may send (bursts of twice that); frames over it are refused (WORK_RATE_LIMITED), and a peer refused that many times is disconnected.',
  },
  maxSessionsPerWallet: {
    flag: 'max-sessions-per-wallet',
    value: '<n>',
    env: 'INFERENCE_GRID_MAX_SESSIONS_PER_WALLET',
    default: '64',
    description:
      'Most work sessions (tabs, workers) one wallet may hold at once; 0: no limit. Over it: WORK_SESSION_LIMIT.',
  },
  maxSessionsPerIp: {
    flag: 'max-sessions-per-ip',
    value: '<n>',
    env: 'INFERENCE_GRID_MAX_SESSIONS_PER_IP',
    default: '256',
    description: 'Most work sessions from one IP address at once; 0: no limit.',
  },
  p2pMaxConnectionsPerIp: {
    flag: 'p2p-max-connections-per-ip',
    value: '<n>',
    env: 'INFERENCE_GRID_P2P_MAX_CONNECTIONS_PER_IP',
    default: '256',
    description: 'Most open libp2p connections from one IP address; 0: no limit.',
  },
  maxJobInputMib: {
    flag: 'max-job-input-mib',
    value: '<MiB>',
    env: 'INFERENCE_GRID_MAX_JOB_INPUT_MIB',
    default: '16',
    description:
      'Largest total of input tensor bytes in one job, in MiB (1 to 31: an assignment must fit one 32 MiB frame); over it: 413 JOB_TOO_LARGE.',
  },
  maxResultMib: {
    flag: 'max-result-mib',
    value: '<MiB>',
    env: 'INFERENCE_GRID_MAX_RESULT_MIB',
    default: '16',
    description:
      'Largest total of output bytes one result may carry, in MiB (1 to 31); a larger one is refused (RESULT_TOO_LARGE) and its job requeued.',
  },
  // ---- Demo requester (issue 4, item 6). Parsed by parseDemoConfig.ts.
  demo: {
    flag: 'demo',
    env: 'INFERENCE_GRID_DEMO',
    default: 'on',
    description:
      'Run the demo requester: while a worker is connected and no other requester has jobs waiting, submit sample OCR and VAD jobs (lowest priority) so a new grid visibly works. Turn it off in production.',
  },
  noDemo: {
    flag: 'no-demo',
    description: 'Do not run the demo requester (wins over the variable).',
  },
  demoRate: {
    flag: 'demo-rate',
    value: '<jobs/s>',
    env: 'INFERENCE_GRID_DEMO_RATE',
    default: '1',
    description: 'Demo jobs submitted per second at most, 0.01 to 100; 0 turns the demo off.',
  },
  demoMaxOpen: {
    flag: 'demo-max-open',
    value: '<n>',
    env: 'INFERENCE_GRID_DEMO_MAX_OPEN',
    default: '4',
    description: 'Most demo jobs queued or running at once, 1 to 64.',
  },
  jobPrice: {
    flag: 'job-price',
    value: '<micro-credits>',
    env: 'INFERENCE_GRID_JOB_PRICE',
    default: '1000',
    description:
      'Micro-credits each verified result earns when the job names no price (split: worker, partner, network fee).',
  },
  workerShareBps: {
    flag: 'worker-share-bps',
    value: '<bps>',
    env: 'INFERENCE_GRID_WORKER_SHARE_BPS',
    default: '7000',
    description:
      'Worker share of a result’s price in basis points (anonymous workers: to the network).',
  },
  partnerShareBps: {
    flag: 'partner-share-bps',
    value: '<bps>',
    env: 'INFERENCE_GRID_PARTNER_SHARE_BPS',
    default: '1000',
    description:
      'Partner share in basis points when the tab came through a partner’s widget; the network fee is the rest.',
  },
  spotCheckFloor: {
    flag: 'spot-check-floor',
    value: '<fraction>',
    env: 'INFERENCE_GRID_SPOT_CHECK_FLOOR',
    default: '0.01',
    description:
      'Lowest share of single-replica results re-run on onnxruntime-node, however long a wallet’s valid run (1: re-run all).',
  },
  spotCheckProbation: {
    flag: 'spot-check-probation',
    value: '<n>',
    env: 'INFERENCE_GRID_SPOT_CHECK_PROBATION',
    default: '10',
    description:
      'Consecutive valid checked results a new (or recently wrong) wallet needs before its spot-check rate falls below 1.',
  },
  suspendAfterInvalid: {
    flag: 'suspend-after-invalid',
    value: '<n>',
    env: 'INFERENCE_GRID_SUSPEND_AFTER_INVALID',
    default: '2',
    description: 'Invalid results that suspend a wallet (or anonymous peer).',
  },
  creditHoldbackS: {
    flag: 'credit-holdback-s',
    value: '<s>',
    env: 'INFERENCE_GRID_CREDIT_HOLDBACK_S',
    default: '86400',
    description:
      'How long credit of results accepted without a check stays pending (reversed if the wallet is suspended meanwhile).',
  },
  help: { flag: 'help', short: 'h', description: 'Print this help and exit.' },
  version: { flag: 'version', short: 'v', description: 'Print the version and exit.' },
} as const satisfies Record<string, ConfigOptionSpec>

export type ConfigOptionKey = keyof typeof configOptions
