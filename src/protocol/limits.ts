/**
 * Protocol limits, shared by the encoder, the decoder and the gateway. They bound memory and CPU
 * per message, so a hostile peer cannot make a decoder allocate or loop without bound.
 */

/** Largest encoded message accepted, checked before any parsing: 32 MiB. */
export const MAX_MESSAGE_BYTES = 32 * 1024 * 1024
/** Most tensors in one named tensor map (inputs or outputs of one job). */
export const MAX_TENSORS = 64
/** Highest tensor rank; ONNX models in browsers rarely exceed 5. */
export const MAX_RANK = 8
/** Longest tensor name, in UTF-16 code units. */
export const MAX_TENSOR_NAME_LENGTH = 256
/** Job ids: ASCII letters, digits and `._:-`, at most 128 characters (UUIDs, ULIDs fit). */
export const JOB_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/
/** Most concurrent job slots one worker may advertise. */
export const MAX_SLOTS = 256
/** Most backends in a hello, and most model self-tests or cached models it lists. */
export const MAX_BACKENDS = 8
export const MAX_MODELS = 1024
/** Longest free-text fields. */
export const MAX_CLIENT_VERSION_LENGTH = 64
export const MAX_ORIGIN_LENGTH = 256
/** Wallet signatures: 65 bytes for an EOA; room left for ERC-1271/6492 smart-account blobs. */
export const MAX_WALLET_SIGNATURE_BYTES = 2048
/** Largest credit amount, in micro-credits: the uint64 range. */
export const MAX_CREDIT_AMOUNT = 2n ** 64n - 1n
/** Longest duration a timing may report, in milliseconds (one day). */
export const MAX_TIMING_MS = 86_400_000
/** Most lease attempts a job may have. */
export const MAX_ATTEMPT = 65_535
/** CBOR structure bounds: nesting depth and total data items in one message. */
export const MAX_CBOR_DEPTH = 16
export const MAX_CBOR_ITEMS = 100_000
