import {
  concatBytes,
  type Hex,
  hashDomain,
  hashTypedData,
  hexToBytes,
  keccak256,
  numberToBytes,
  stringToBytes,
} from 'viem'
import type { GridDomain } from './createGridDomain'
import { type ResultClaim, resultTypes } from './resultTypes'

export type HashResultReturnType = Hex

/**
 * The EIP-712 digest of a result claim: the 32 bytes a session key signs.
 *
 * The gateway hashes every result it verifies, and viem's generic `hashTypedData` re-derives the
 * domain separator and the type hash and ABI-encodes on each call (16% of the gateway's CPU per
 * result in a profile). The Result type is fixed, so this encodes it directly: same digest
 * (test/protocol/eip712.test.ts compares it with hashTypedData on random claims), with the
 * domain separator cached per domain and the type hash computed once.
 */
export function hashResult(result: ResultClaim, domain: GridDomain): HashResultReturnType {
  const fixed = [result.modelId, result.inputHash, result.outputHash]
  if (!fixed.every(isBytes32) || !isUint64(result.inferenceUs) || !isUint64(result.totalUs))
    return hashTypedDataSlow(result, domain) // lets viem throw its precise error
  const structHash = keccak256(
    concatBytes([
      RESULT_TYPE_HASH,
      keccak256(stringToBytes(result.jobId), 'bytes'),
      hexToBytes(result.modelId),
      hexToBytes(result.inputHash),
      hexToBytes(result.outputHash),
      keccak256(stringToBytes(result.backend), 'bytes'),
      numberToBytes(result.inferenceUs, { size: 32 }),
      numberToBytes(result.totalUs, { size: 32 }),
      keccak256(hexToBytes(result.sessionKey), 'bytes'),
    ]),
    'bytes',
  )
  return keccak256(concatBytes([EIP712_PREFIX, domainSeparator(domain), structHash]))
}

const EIP712_PREFIX = new Uint8Array([0x19, 0x01])

const RESULT_TYPE_HASH = keccak256(
  stringToBytes(`Result(${resultTypes.Result.map((f) => `${f.type} ${f.name}`).join(',')})`),
  'bytes',
)

const DOMAIN_FIELDS = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
] as const
const DOMAIN_TYPES = { EIP712Domain: DOMAIN_FIELDS } as const
const DOMAIN_TYPES_WITH_CONTRACT = {
  EIP712Domain: [...DOMAIN_FIELDS, { name: 'verifyingContract', type: 'address' }],
} as const

// Few distinct domains exist (one per chain id and contract); bounded anyway.
const domainSeparators = new Map<string, Uint8Array>()
const MAX_CACHED_DOMAINS = 64

function domainSeparator(domain: GridDomain): Uint8Array {
  const key = `${domain.name}\n${domain.version}\n${domain.chainId}\n${domain.verifyingContract ?? ''}`
  let separator = domainSeparators.get(key)
  if (!separator) {
    const types = domain.verifyingContract ? DOMAIN_TYPES_WITH_CONTRACT : DOMAIN_TYPES
    separator = hexToBytes(
      hashDomain({ domain: { ...domain, chainId: BigInt(domain.chainId) }, types }),
    )
    if (domainSeparators.size >= MAX_CACHED_DOMAINS) domainSeparators.clear()
    domainSeparators.set(key, separator)
  }
  return separator
}

function isBytes32(value: string): boolean {
  return /^0x[0-9a-fA-F]{64}$/.test(value)
}

function isUint64(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0
}

/** viem's generic path: the reference the fast path must equal. */
export function hashTypedDataSlow(result: ResultClaim, domain: GridDomain): HashResultReturnType {
  return hashTypedData({
    domain,
    types: resultTypes,
    primaryType: 'Result',
    message: {
      ...result,
      inferenceUs: BigInt(result.inferenceUs),
      totalUs: BigInt(result.totalUs),
    },
  })
}
