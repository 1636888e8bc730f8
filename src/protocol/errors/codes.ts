/**
 * Every error code the grid emits, in one table. Codes are stable strings: they travel over the
 * wire (worker <-> gateway) and in HTTP bodies, so renaming one is a breaking protocol change.
 * `errorName` names the class that owns the code, so a serialized error can be rebuilt as the
 * right subclass on the other side of a boundary (see deserializeError).
 */
export const errorCodes = {
  // Decoding work-protocol bytes: the peer sent something we cannot read.
  PROTOCOL_OVERSIZED: {
    errorName: 'DecodeError',
    httpStatus: 413,
    description: 'The message is larger than the accepted maximum; it was rejected before parsing.',
  },
  PROTOCOL_TRUNCATED: {
    errorName: 'DecodeError',
    httpStatus: 400,
    description: 'The input ends before the message is complete.',
  },
  PROTOCOL_TRAILING_BYTES: {
    errorName: 'DecodeError',
    httpStatus: 400,
    description: 'Bytes follow the end of the message.',
  },
  PROTOCOL_INVALID_CBOR: {
    errorName: 'DecodeError',
    httpStatus: 400,
    description:
      'The bytes are not CBOR in the accepted subset (no tags, undefined, indefinite lengths, NaN, Infinity or non-minimal integers).',
  },
  PROTOCOL_DUPLICATE_KEY: {
    errorName: 'DecodeError',
    httpStatus: 400,
    description: 'A CBOR map repeats a key.',
  },
  PROTOCOL_TOO_COMPLEX: {
    errorName: 'DecodeError',
    httpStatus: 400,
    description: 'The message nests too deeply or holds too many items.',
  },
  PROTOCOL_UNSUPPORTED_VERSION: {
    errorName: 'DecodeError',
    httpStatus: 400,
    description: 'The message carries a protocol version this peer does not speak.',
  },
  PROTOCOL_UNKNOWN_TYPE: {
    errorName: 'DecodeError',
    httpStatus: 400,
    description: 'The message type is not one this protocol version defines.',
  },
  PROTOCOL_MALFORMED_FIELD: {
    errorName: 'DecodeError',
    httpStatus: 400,
    description: 'A field is missing, unknown, of the wrong type or out of range.',
  },

  // Encoding: our own code tried to send something invalid.
  PROTOCOL_INVALID_MESSAGE: {
    errorName: 'EncodeError',
    httpStatus: 500,
    description: 'A message given to the encoder does not satisfy the protocol schema.',
  },
  PROTOCOL_MESSAGE_TOO_LARGE: {
    errorName: 'EncodeError',
    httpStatus: 413,
    description: 'The encoded message would exceed the maximum message size.',
  },

  // Tensors.
  TENSOR_UNSUPPORTED_DTYPE: {
    errorName: 'TensorError',
    httpStatus: 400,
    description: 'The tensor element type is not supported.',
  },
  TENSOR_INVALID_DIMS: {
    errorName: 'TensorError',
    httpStatus: 400,
    description: 'Tensor dims must be non-negative safe integers, at most 8 of them.',
  },
  TENSOR_SIZE_MISMATCH: {
    errorName: 'TensorError',
    httpStatus: 400,
    description: 'The product of the dims times the element size differs from the byte length.',
  },
  TENSOR_INVALID_DATA: {
    errorName: 'TensorError',
    httpStatus: 400,
    description:
      'The tensor data is not of the expected kind (bytes, matching typed array, bools).',
  },
  TENSOR_INVALID_NAME: {
    errorName: 'TensorError',
    httpStatus: 400,
    description: 'A tensor name is empty, too long, repeated or not well-formed Unicode.',
  },
  TENSOR_MAP_TOO_LARGE: {
    errorName: 'TensorError',
    httpStatus: 400,
    description: 'A tensor map holds more tensors than allowed.',
  },
  TENSOR_PLATFORM_BIG_ENDIAN: {
    errorName: 'TensorError',
    httpStatus: 500,
    description: 'Typed-array views need a little-endian platform.',
  },

  // Delegations (wallet -> session key) and result signatures (session key -> result).
  DELEGATION_INVALID_SIGNATURE: {
    errorName: 'SignatureError',
    httpStatus: 401,
    description: 'The delegation was not signed by the wallet it names.',
  },
  DELEGATION_EXPIRED: {
    errorName: 'SignatureError',
    httpStatus: 401,
    description: 'The delegation has expired; the wallet must sign a new one.',
  },
  DELEGATION_NOT_YET_VALID: {
    errorName: 'SignatureError',
    httpStatus: 401,
    description: 'The delegation starts in the future (check the clock).',
  },
  DELEGATION_WRONG_ORIGIN: {
    errorName: 'SignatureError',
    httpStatus: 403,
    description: 'The delegation was signed for another origin.',
  },
  DELEGATION_WRONG_CHAIN: {
    errorName: 'SignatureError',
    httpStatus: 403,
    description: 'The delegation was signed for another chain.',
  },
  DELEGATION_LIFETIME_TOO_LONG: {
    errorName: 'SignatureError',
    httpStatus: 400,
    description: 'The delegation is valid for longer than the gateway accepts.',
  },
  DELEGATION_NONCE_MISMATCH: {
    errorName: 'SignatureError',
    httpStatus: 401,
    description: 'The delegation does not carry the nonce the gateway issued.',
  },
  DELEGATION_MALFORMED: {
    errorName: 'SignatureError',
    httpStatus: 400,
    description: 'A delegation field is malformed (times out of order, bad key length, ...).',
  },
  DELEGATION_CONTRACT_WALLET_UNVERIFIABLE: {
    errorName: 'SignatureError',
    httpStatus: 422,
    description:
      'The delegation carries a smart-contract wallet signature (ERC-1271/6492), and the gateway has no RPC configured (--rpc-url) to verify it.',
  },
  RESULT_INVALID_SIGNATURE: {
    errorName: 'SignatureError',
    httpStatus: 401,
    description: 'The result signature does not verify under the session key.',
  },
  SESSION_KEY_INVALID: {
    errorName: 'SignatureError',
    httpStatus: 400,
    description: 'The session public key cannot be imported for its key type.',
  },
  SESSION_KEY_UNSUPPORTED: {
    errorName: 'SignatureError',
    httpStatus: 400,
    description: 'This runtime cannot create or use keys of this type (try P-256).',
  },

  // Jobs, as reported by a worker in an `error` message.
  JOB_MODEL_UNAVAILABLE: {
    errorName: 'JobError',
    httpStatus: 503,
    description: 'The worker could not fetch or verify the model.',
  },
  JOB_BACKEND_UNAVAILABLE: {
    errorName: 'JobError',
    httpStatus: 503,
    description: 'No backend that passed its self-test for this model is available.',
  },
  JOB_INVALID_INPUT: {
    errorName: 'JobError',
    httpStatus: 400,
    description: 'The job inputs do not match what the model expects.',
  },
  JOB_INFERENCE_FAILED: {
    errorName: 'JobError',
    httpStatus: 502,
    description: 'The model run failed on the worker.',
  },
  JOB_LEASE_EXPIRED: {
    errorName: 'JobError',
    httpStatus: 408,
    description: 'The lease ran out before a result was delivered.',
  },
  JOB_CANCELLED: {
    errorName: 'JobError',
    httpStatus: 409,
    description: 'The job was cancelled (the worker stopped, paused or was told to drop it).',
  },

  // Models: manifests, model bytes and the browser's model store.
  MODEL_INVALID_ID: {
    errorName: 'ModelError',
    httpStatus: 400,
    description: 'A model id must be 0x and 64 lowercase hex digits: the sha256 of the ONNX file.',
  },
  MODEL_NOT_FOUND: {
    errorName: 'ModelError',
    httpStatus: 404,
    description: 'No model with this id (or asset with this name) is known here.',
  },
  MODEL_MANIFEST_INVALID: {
    errorName: 'ModelManifestError',
    httpStatus: 400,
    description: 'A model manifest field is missing, unknown, of the wrong type or out of range.',
  },
  MODEL_INTEGRITY: {
    errorName: 'ModelIntegrityError',
    httpStatus: 502,
    description:
      'The downloaded bytes do not hash to the model id (or have the wrong size); they were discarded.',
  },
  MODEL_DOWNLOAD_FAILED: {
    errorName: 'ModelError',
    httpStatus: 502,
    description: 'The model could not be downloaded (network failure or an error status).',
  },
  MODEL_DOWNLOAD_ABORTED: {
    errorName: 'ModelError',
    httpStatus: 409,
    description: 'The download was aborted by its caller; nothing was cached.',
  },
  MODEL_DOWNLOAD_CAP_EXCEEDED: {
    errorName: 'ModelDownloadCapError',
    httpStatus: 413,
    description:
      "Downloading the model would exceed the contributor's cap on model storage; nothing was fetched.",
  },
  MODEL_STORAGE_QUOTA: {
    errorName: 'ModelError',
    httpStatus: 507,
    description: 'Browser storage is full even after evicting least recently used models.',
  },
  MODEL_INVALID_ONNX: {
    errorName: 'ModelError',
    httpStatus: 400,
    description: 'The bytes are not an ONNX model that onnxruntime can load.',
  },
  MODEL_UNSUPPORTED: {
    errorName: 'ModelError',
    httpStatus: 422,
    description:
      'The ONNX model loads, but the grid cannot carry it (non-tensor or unsupported types, or its known-answer run failed).',
  },
  MODEL_TOO_LARGE: {
    errorName: 'ModelError',
    httpStatus: 413,
    description: 'The model file is larger than this gateway accepts for uploads.',
  },
  MODEL_NAME_TAKEN: {
    errorName: 'ModelError',
    httpStatus: 409,
    description: 'Another model already has this name.',
  },

  INTERNAL: {
    errorName: 'InternalError',
    httpStatus: 500,
    description: 'An unexpected failure; details are in the cause or the logs.',
  },

  // The browser inference engine (src/worker/engine): onnxruntime-web in a Web Worker. These
  // cross the worker boundary serialized and are rebuilt as EngineError / WebGpuUnavailableError.
  ENGINE_BACKEND_UNAVAILABLE: {
    errorName: 'EngineError',
    httpStatus: 503,
    description:
      'The backend asked for is not available in this browser, or did not pass its self-test for this model.',
  },
  ENGINE_RUNTIME_LOAD_FAILED: {
    errorName: 'EngineError',
    httpStatus: 503,
    description: 'onnxruntime-web (its script or its WebAssembly binary) could not be loaded.',
  },
  ENGINE_SESSION_FAILED: {
    errorName: 'EngineError',
    httpStatus: 502,
    description: 'onnxruntime-web could not create a session for the model on this backend.',
  },
  ENGINE_SELF_TEST_FAILED: {
    errorName: 'EngineError',
    httpStatus: 503,
    description:
      'No backend reproduced the model’s known-answer test; the model is not used on this device.',
  },
  ENGINE_MODEL_NOT_LOADED: {
    errorName: 'EngineError',
    httpStatus: 404,
    description: 'The engine has no model with this id loaded (load it first, or it was unloaded).',
  },
  ENGINE_INPUT_MISMATCH: {
    errorName: 'EngineError',
    httpStatus: 400,
    description:
      'The inputs or output names of a run do not match the model manifest (names, dtypes, dims).',
  },
  ENGINE_INFERENCE_FAILED: {
    errorName: 'EngineError',
    httpStatus: 502,
    description: 'onnxruntime-web failed while running the model.',
  },
  ENGINE_ABORTED: {
    errorName: 'EngineError',
    httpStatus: 409,
    description:
      'The call was aborted by its caller (a running inference finishes in the background; its result is dropped).',
  },
  ENGINE_WORKER_CRASHED: {
    errorName: 'EngineError',
    httpStatus: 503,
    description:
      'The engine’s Web Worker failed (it could not start, or threw); every pending call fails.',
  },
  ENGINE_DISPOSED: {
    errorName: 'EngineError',
    httpStatus: 503,
    description: 'The engine was disposed; create a new one.',
  },
  ENGINE_INVALID_ARGUMENT: {
    errorName: 'EngineError',
    httpStatus: 400,
    description:
      'An engine call got an argument out of range (for example a duty cycle outside (0, 1]).',
  },
  WEBGPU_UNAVAILABLE: {
    errorName: 'WebGpuUnavailableError',
    httpStatus: 503,
    description:
      'WebGPU was asked for, but this browser exposes no WebGPU adapter (use WASM, or enable WebGPU).',
  },

  // ---- Gateway (Node) failures. Their classes live in src/gateway/errors; the codes live here so
  // there is one table of codes and HTTP statuses for the whole grid.

  // Configuration: reported by main before anything starts (exit status 2), never over HTTP.
  CONFIG_INVALID_VALUE: {
    errorName: 'ConfigError',
    httpStatus: 500,
    description: 'A flag or environment variable has a value the gateway cannot use.',
  },
  CONFIG_UNKNOWN_OPTION: {
    errorName: 'ConfigError',
    httpStatus: 500,
    description: 'The command line names an option the gateway does not have.',
  },
  CONFIG_UNEXPECTED_ARGUMENT: {
    errorName: 'ConfigError',
    httpStatus: 500,
    description: 'The command line holds an argument that is not an option.',
  },

  // Storage.
  STORAGE_OPEN_FAILED: {
    errorName: 'DatabaseOpenError',
    httpStatus: 503,
    description: 'The data directory or database file cannot be created or opened.',
  },
  STORAGE_SCHEMA_TOO_NEW: {
    errorName: 'SchemaTooNewError',
    httpStatus: 503,
    description: 'The database was migrated by a newer gateway.',
  },
  STORAGE_MIGRATION_FAILED: {
    errorName: 'MigrationFailedError',
    httpStatus: 503,
    description: 'A schema migration failed and was rolled back.',
  },
  STORAGE_MIGRATION_MISMATCH: {
    errorName: 'MigrationMismatchError',
    httpStatus: 503,
    description: 'The migrations recorded in the database differ from the code.',
  },
  STORAGE_UNAVAILABLE: {
    errorName: 'DatabaseUnavailableError',
    httpStatus: 503,
    description: 'The database is closed or does not answer.',
  },

  // Startup.
  APP_BUILD_FAILED: {
    errorName: 'AppBuildFailedError',
    httpStatus: 500,
    description: 'The web app was stale and building it failed.',
  },
  HTTP_LISTEN_FAILED: {
    errorName: 'ListenError',
    httpStatus: 500,
    description: 'The HTTP server could not bind its host and port.',
  },

  // HTTP requests the gateway refuses (fastify and @fastify/static errors map here by status).
  BAD_REQUEST: {
    errorName: 'HttpError',
    httpStatus: 400,
    description: 'The request is malformed.',
  },
  FORBIDDEN: {
    errorName: 'HttpError',
    httpStatus: 403,
    description: 'The path is not allowed (for example, it leaves the app directory).',
  },
  NOT_FOUND: {
    errorName: 'RouteNotFoundError',
    httpStatus: 404,
    description: 'No route or file answers this method and path.',
  },
  METHOD_NOT_ALLOWED: {
    errorName: 'HttpError',
    httpStatus: 405,
    description: 'The path exists but not for this method.',
  },
  PRECONDITION_FAILED: {
    errorName: 'HttpError',
    httpStatus: 412,
    description: 'A conditional request header does not hold.',
  },
  PAYLOAD_TOO_LARGE: {
    errorName: 'HttpError',
    httpStatus: 413,
    description: 'The request body is larger than the route accepts.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    errorName: 'HttpError',
    httpStatus: 415,
    description: 'The request body has a content type the route does not accept.',
  },
  OPERATOR_API_DISABLED: {
    errorName: 'OperatorAuthError',
    httpStatus: 403,
    description: 'Operator routes are disabled because no operator token is configured.',
  },
  OPERATOR_UNAUTHORIZED: {
    errorName: 'OperatorAuthError',
    httpStatus: 401,
    description: 'The request does not carry the operator token (Authorization: Bearer <token>).',
  },
  RANGE_NOT_SATISFIABLE: {
    errorName: 'HttpError',
    httpStatus: 416,
    description: 'The requested byte range lies outside the file.',
  },
  // ---- Job network (issue 4): the work protocol's session rules, result acceptance, the
  // scheduler's terminal failures and the requester API. Classes live in src/gateway/errors/work.ts
  // and src/gateway/errors/api.ts; workers read these codes from `error` and `ack` messages.

  // Work-protocol sessions (gateway -> worker `error` messages, then the stream is closed).
  WORK_HELLO_REQUIRED: {
    errorName: 'WorkSessionError',
    httpStatus: 400,
    description: 'The first message on a work stream must be a hello.',
  },
  WORK_HELLO_TIMEOUT: {
    errorName: 'WorkSessionError',
    httpStatus: 408,
    description: 'No hello arrived in time after the work stream opened.',
  },
  WORK_UNEXPECTED_MESSAGE: {
    errorName: 'WorkSessionError',
    httpStatus: 400,
    description: 'The message type is not one a worker may send at this point (or a second hello).',
  },
  WORK_PEER_TIMEOUT: {
    errorName: 'WorkSessionError',
    httpStatus: 408,
    description:
      'Nothing (not even a heartbeat) arrived from the peer within the liveness timeout.',
  },
  WORK_SESSION_REPLACED: {
    errorName: 'WorkSessionError',
    httpStatus: 409,
    description: 'A newer work stream from the same peer replaced this one.',
  },
  WORK_GATEWAY_STOPPING: {
    errorName: 'WorkSessionError',
    httpStatus: 503,
    description: 'The gateway is shutting down; reconnect later.',
  },
  WORK_WORKER_DISCONNECTED: {
    errorName: 'WorkSessionError',
    httpStatus: 503,
    description:
      'The worker holding the lease disconnected before answering; the job was requeued.',
  },

  WORK_IDENTITY_SUSPENDED: {
    errorName: 'WorkSessionError',
    httpStatus: 403,
    description:
      'Repeated results from this wallet (or anonymous peer) failed verification; it is suspended and its sessions are refused. The message says why.',
  },

  // Abuse limits (issue 9): a peer over a limit is refused, told why, and (if it keeps on) cut off.
  WORK_RATE_LIMITED: {
    errorName: 'WorkSessionError',
    httpStatus: 429,
    description:
      'The peer sent more work-protocol frames per second than the gateway accepts (--work-frame-rate); frames over the limit were refused, and a peer that keeps on is disconnected. Send results as they finish, not faster.',
  },
  WORK_SESSION_LIMIT: {
    errorName: 'WorkSessionError',
    httpStatus: 429,
    description:
      'This wallet (or IP address) already has as many work sessions as the gateway allows (--max-sessions-per-wallet, --max-sessions-per-ip); close another tab or worker first.',
  },

  // Verification and the ledger (issue 6).
  VERIFICATION_UNAVAILABLE: {
    errorName: 'VerificationError',
    httpStatus: 503,
    description:
      'The gateway cannot re-run this model for a spot-check (it is no longer registered); the result stays unverified.',
  },
  VERIFICATION_FAILED: {
    errorName: 'VerificationError',
    httpStatus: 502,
    description:
      'The replicas of the job never reached a majority, even after the extra replicas; no result is accepted and nobody is credited.',
  },
  LEDGER_UNAUTHORIZED: {
    errorName: 'LedgerAccessError',
    httpStatus: 401,
    description:
      'A wallet’s ledger needs that wallet signed in (Sign-In with Ethereum) or the operator token.',
  },
  LEDGER_INVALID_QUERY: {
    errorName: 'LedgerQueryError',
    httpStatus: 400,
    description:
      'A ledger query parameter is malformed (limit, cursor, model, decision, role, bucket, from, to); the message names it and what it accepts.',
  },

  // Results the gateway does not accept (the `code` of an `ack` with accepted: false).
  RESULT_NOT_LEASED: {
    errorName: 'ResultRejectedError',
    httpStatus: 409,
    description:
      'The result names a job that is not leased to this session (unknown, expired, answered or cancelled).',
  },
  RESULT_REPLAYED: {
    errorName: 'ResultRejectedError',
    httpStatus: 409,
    description:
      'This session already delivered an accepted result for the job; the copy earns nothing.',
  },
  RESULT_INPUT_MISMATCH: {
    errorName: 'ResultRejectedError',
    httpStatus: 422,
    description: 'The result’s input hash differs from the hash of the job’s inputs.',
  },
  RESULT_HASH_MISMATCH: {
    errorName: 'ResultRejectedError',
    httpStatus: 422,
    description: 'The result’s output hash differs from the hash of the outputs it carries.',
  },
  RESULT_OUTPUT_INVALID: {
    errorName: 'ResultRejectedError',
    httpStatus: 422,
    description:
      'The outputs are not the ones asked for, or their dtypes or dims do not match the manifest.',
  },

  RESULT_TOO_LARGE: {
    errorName: 'ResultRejectedError',
    httpStatus: 413,
    description:
      'The result’s outputs are larger than the gateway accepts (--max-result-mib); the job went back to the queue.',
  },

  // Scheduler: why a job ended without a result.
  JOB_ATTEMPTS_EXHAUSTED: {
    errorName: 'JobFailedError',
    httpStatus: 502,
    description:
      'Every allowed attempt failed (lease expiry, disconnect or worker error); see the last cause.',
  },

  // Requester HTTP API.
  API_KEY_MISSING: {
    errorName: 'ApiKeyError',
    httpStatus: 401,
    description: 'The request carries no API key (Authorization: Bearer <key>).',
  },
  API_KEY_INVALID: {
    errorName: 'ApiKeyError',
    httpStatus: 401,
    description: 'The API key is unknown or revoked.',
  },
  RATE_LIMITED: {
    errorName: 'RateLimitError',
    httpStatus: 429,
    description:
      'Too many requests for this API key; retry after the number of seconds in Retry-After.',
  },
  QUOTA_EXCEEDED: {
    errorName: 'RateLimitError',
    httpStatus: 429,
    description: 'The API key has used its daily job quota; it renews at 00:00 UTC.',
  },
  IP_RATE_LIMITED: {
    errorName: 'RateLimitError',
    httpStatus: 429,
    description:
      'Too many requests from this IP address to routes that need no API key (sign-in, delegation nonces, ledger); retry after the number of seconds in Retry-After.',
  },
  REQUESTER_QUEUE_FULL: {
    errorName: 'RateLimitError',
    httpStatus: 429,
    description:
      'This API key already has as many jobs open (queued or running) as the gateway allows (--max-open-jobs-per-key); wait for some to finish, or cancel some, then retry.',
  },
  JOB_REQUEST_INVALID: {
    errorName: 'JobRequestError',
    httpStatus: 400,
    description:
      'The job request is malformed: a field is missing, unknown, of the wrong type or out of range.',
  },
  JOB_UNKNOWN_MODEL: {
    errorName: 'JobRequestError',
    httpStatus: 422,
    description: 'The job names a model this gateway does not serve.',
  },
  JOB_INPUT_MISMATCH: {
    errorName: 'JobRequestError',
    httpStatus: 422,
    description:
      'The job’s inputs or output names do not match the model manifest (names, dtypes, dims).',
  },
  JOB_TOO_LARGE: {
    errorName: 'JobRequestError',
    httpStatus: 413,
    description: 'The job’s inputs (or the batch) are larger than the gateway accepts.',
  },
  JOB_NOT_FOUND: {
    errorName: 'JobRequestError',
    httpStatus: 404,
    description: 'No job with this id belongs to this API key.',
  },
  JOB_NOT_CANCELLABLE: {
    errorName: 'JobRequestError',
    httpStatus: 409,
    description: 'The job has already completed, failed or been cancelled.',
  },
  // The browser worker's connection to the grid (src/p2p): bootstrap and dialing.
  NETWORK_BOOTSTRAP_FAILED: {
    errorName: 'NetworkError',
    httpStatus: 502,
    description:
      'GET /v1/network failed or answered something that is not the gateway’s network info.',
  },
  NETWORK_NO_ADDRESS: {
    errorName: 'NetworkError',
    httpStatus: 502,
    description:
      'The gateway advertises no address this browser can dial (WebRTC-Direct or WebSocket).',
  },
  NETWORK_DIAL_FAILED: {
    errorName: 'NetworkError',
    httpStatus: 502,
    description:
      'Every advertised address of the gateway failed to connect; the worker retries with backoff.',
  },
  NETWORK_STATS_UNAVAILABLE: {
    errorName: 'NetworkError',
    httpStatus: 502,
    description:
      'GET /v1/network/stats failed or answered something that is not the network figures.',
  },
  // The earnings dashboard in the browser (src/ui/dashboard).
  DASHBOARD_REQUEST_FAILED: {
    errorName: 'DashboardError',
    httpStatus: 502,
    description:
      'The dashboard could not reach the gateway or could not read its answer; check the connection and reload.',
  },
  DASHBOARD_SIGN_IN_FAILED: {
    errorName: 'DashboardError',
    httpStatus: 401,
    description:
      'Signing in with the wallet did not complete (the wallet declined, or the gateway refused the message); nothing was signed in.',
  },
  // Sign-In with Ethereum for the dashboard API (src/gateway/auth).
  AUTH_NONCE_INVALID: {
    errorName: 'AuthError',
    httpStatus: 401,
    description:
      'The sign-in message carries a nonce this gateway did not issue, already used, or let expire; ask for a new nonce.',
  },
  AUTH_MESSAGE_INVALID: {
    errorName: 'AuthError',
    httpStatus: 400,
    description:
      'The sign-in message is not an EIP-4361 message for this site, chain and time (domain, URI, chain id, issued/expiration).',
  },
  AUTH_SIGNATURE_INVALID: {
    errorName: 'AuthError',
    httpStatus: 401,
    description: 'The sign-in signature was not made by the address in the message.',
  },
  AUTH_REQUIRED: {
    errorName: 'AuthError',
    httpStatus: 401,
    description:
      'This route needs a signed-in wallet (POST /v1/auth/verify), or the session ended.',
  },
  AUTH_FORBIDDEN: {
    errorName: 'AuthError',
    httpStatus: 403,
    description: 'The signed-in wallet may read only its own private detail.',
  },
  // The contributor's wallet in the browser (src/wallet): connecting and delegating a session key.
  WALLET_REJECTED: {
    errorName: 'WalletError',
    httpStatus: 403,
    description:
      'The wallet declined the request (the person pressed Reject); nothing was signed. Press Start again to retry, or contribute anonymously.',
  },
  WALLET_NOT_CONNECTED: {
    errorName: 'WalletError',
    httpStatus: 401,
    description: 'No wallet is connected, or it no longer holds the account the request named.',
  },
  WALLET_WRONG_CHAIN: {
    errorName: 'WalletError',
    httpStatus: 409,
    description:
      'The wallet is on another chain than the grid signs on, and switching was refused or is not possible.',
  },
  WALLET_ORIGIN_NOT_ALLOWED: {
    errorName: 'WalletError',
    httpStatus: 403,
    description:
      'This page’s origin is not one the gateway accepts delegations for (the gateway’s --grid-origins).',
  },
  WALLET_NONCE_FAILED: {
    errorName: 'WalletError',
    httpStatus: 502,
    description: 'POST /v1/delegations/nonce failed; the gateway may be down or unreachable.',
  },
  WALLET_SIGNATURE_FAILED: {
    errorName: 'WalletError',
    httpStatus: 502,
    description: 'The wallet failed to sign the delegation for a reason other than a refusal.',
  },
  // The requester SDK and CLI (src/sdk): failures on the requester's side of the HTTP API. The
  // gateway's own answers keep the gateway's code; these are for what never got one.
  SDK_NETWORK_FAILED: {
    errorName: 'SdkError',
    httpStatus: 503,
    description:
      'The gateway could not be reached (connection refused, DNS, TLS, or the connection broke).',
  },
  SDK_INVALID_RESPONSE: {
    errorName: 'SdkError',
    httpStatus: 502,
    description:
      'The gateway answered something that is not the API’s JSON or CBOR (wrong URL, or a proxy).',
  },
  SDK_WAIT_TIMEOUT: {
    errorName: 'SdkError',
    httpStatus: 408,
    description: 'The job did not settle within the time the caller gave wait(); it is still open.',
  },
  SDK_ABORTED: {
    errorName: 'SdkError',
    httpStatus: 409,
    description: 'The call was aborted by its caller’s AbortSignal.',
  },
  SDK_INVALID_ARGUMENT: {
    errorName: 'SdkError',
    httpStatus: 400,
    description: 'An SDK call got an argument it cannot use (a base URL, a tensor, a job id).',
  },
  SDK_JOB_NOT_COMPLETED: {
    errorName: 'SdkError',
    httpStatus: 409,
    description: 'Outputs were asked of a job that has not completed yet.',
  },
  // The OCR pipeline on the SDK (src/sdk/ocr).
  OCR_INVALID_IMAGE: {
    errorName: 'OcrError',
    httpStatus: 400,
    description: 'The image cannot be read (not a PNG, or its size, channels and pixels disagree).',
  },
  OCR_MODEL_MISMATCH: {
    errorName: 'OcrError',
    httpStatus: 422,
    description:
      'The OCR models on the gateway do not have the PP-OCR inputs, outputs or dictionary expected.',
  },
  // The partner widget (src/widget) and its /embed page: a partner's snippet or a message is wrong.
  WIDGET_INVALID_PARTNER: {
    errorName: 'WidgetError',
    httpStatus: 400,
    description:
      'The partner address is not a checksummed (EIP-55) Ethereum address; copy it from the wallet.',
  },
  WIDGET_INVALID_OPTION: {
    errorName: 'WidgetError',
    httpStatus: 400,
    description:
      'A widget option (theme, position, lang, max-download-mb) has a value it does not accept.',
  },
  WIDGET_NOT_EMBEDDED: {
    errorName: 'WidgetError',
    httpStatus: 400,
    description:
      'The /embed page was opened outside the widget, or by a page whose origin differs from the one it names.',
  },
} as const satisfies Record<string, ErrorCodeInfo>

export type ErrorCodeInfo = {
  errorName: string
  httpStatus: number
  description: string
}

export type ErrorCode = keyof typeof errorCodes

/** Names of the classes that own codes (one per actionable failure family). */
export type ErrorName = (typeof errorCodes)[ErrorCode]['errorName']

/** The codes one error class may carry, e.g. `ErrorCodeOf<'TensorError'>`. */
export type ErrorCodeOf<name extends ErrorName> = {
  [code in ErrorCode]: (typeof errorCodes)[code]['errorName'] extends name ? code : never
}[ErrorCode]

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(errorCodes, value)
}
