import { PROTOCOL_VERSION } from './messages'

/**
 * The libp2p protocol id of the work stream for a protocol major version. The id carries the
 * version so libp2p's multistream-select refuses a mismatched peer before any message is sent;
 * the `v` field inside each message is the second line of defence.
 */
export function workProtocolId(version: number = PROTOCOL_VERSION): string {
  return `/inference-grid/work/${version}.0.0`
}

export const WORK_PROTOCOL_ID = workProtocolId()
