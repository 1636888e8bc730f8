/**
 * The abuse limits the gateway enforces, as the `limit` label of
 * `inference_grid_limit_rejections_total` and the `limit` field of their log lines.
 */
export const LIMIT_NAMES = [
  /** Requester API: requests per second of one API key (token bucket). */
  'api_key_rate',
  /** Requester API: jobs per UTC day of one API key. */
  'api_key_quota',
  /** Requester API: jobs open (queued or leased) per API key. */
  'requester_open_jobs',
  /** Requester API: total input bytes of one job. */
  'job_input_bytes',
  /** Requester API: bytes of one request body. */
  'http_body_bytes',
  /** Routes without an API key (sign-in, delegation nonce, ledger): requests per second per IP. */
  'ip_rate',
  /** Work protocol: frames per second of one peer; frames over it are refused. */
  'work_frame_rate',
  /** Work protocol: a peer that kept sending over the frame rate was disconnected. */
  'work_frame_rate_disconnect',
  /** Work protocol: active sessions of one wallet. */
  'sessions_per_wallet',
  /** Work protocol: active sessions from one IP address. */
  'sessions_per_ip',
  /** Work protocol: a worker asked for more slots than --max-worker-slots (it got the cap). */
  'worker_slots',
  /** Work protocol: a result for a job this session was never assigned. */
  'worker_unassigned_result',
  /** Work protocol: output bytes of one result. */
  'result_bytes',
  /** libp2p: open connections in all. */
  'p2p_connections',
  /** libp2p: open connections from one IP address. */
  'p2p_connections_per_ip',
  /** libp2p: new inbound connections per second from one IP address. */
  'p2p_inbound_rate',
] as const

export type LimitName = (typeof LIMIT_NAMES)[number]
