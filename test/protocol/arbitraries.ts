/**
 * fast-check arbitraries for valid protocol values, shared by the property and fuzz tests. They
 * produce values in canonical in-memory form (lowercase hex, checksummed addresses, no -0), which
 * is what decodeMessage returns, so a round trip can be compared with toEqual.
 */
import fc from 'fast-check'
import { bytesToHex, getAddress } from 'viem'
import {
  BACKENDS,
  CREDIT_STATUSES,
  type DType,
  dtypes,
  type HelloMessage,
  type Message,
  type SessionPublicKey,
  type Tensor,
  type TensorMap,
} from '../../src/protocol/index'

export const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b))

export const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((b) => getAddress(bytesToHex(b)))

const jobIdChars = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-']
export const jobId = fc.string({
  unit: fc.constantFrom(...jobIdChars),
  minLength: 1,
  maxLength: 40,
})

/** Any Unicode code points (well-formed), short enough that UTF-16 length stays in limits. */
export const unicodeText = (maxLength: number, minLength = 1) =>
  fc.string({ unit: 'binary', minLength, maxLength })

export const tensorNameArb = unicodeText(40)

export const dtypeArb = fc.constantFrom(...(Object.keys(dtypes) as DType[]))

export const dimsArb = fc.array(fc.nat({ max: 4 }), { maxLength: 4 })

export function tensorOf(dtype: DType, dims: readonly number[]): fc.Arbitrary<Tensor> {
  const length = dims.reduce((a, b) => a * b, 1) * dtypes[dtype].bytes
  return fc.uint8Array({ minLength: length, maxLength: length }).map((data) => ({
    dtype,
    dims: [...dims],
    data: dtype === 'bool' ? data.map((byte) => byte & 1) : data,
  }))
}

export const tensorArb: fc.Arbitrary<Tensor> = fc
  .tuple(dtypeArb, dimsArb)
  .chain(([dtype, dims]) => tensorOf(dtype, dims))

export const tensorMapArb: fc.Arbitrary<TensorMap> = fc.dictionary(tensorNameArb, tensorArb, {
  maxKeys: 5,
  noNullPrototype: true,
})

const finiteDouble = (max: number) =>
  fc.double({ min: 0, max, noNaN: true }).map((value) => (value === 0 ? 0 : value))

const sessionKeyArb: fc.Arbitrary<SessionPublicKey> = fc.oneof(
  fc
    .uint8Array({ minLength: 32, maxLength: 32 })
    .map((b) => ({ keyType: 'Ed25519' as const, publicKey: bytesToHex(b) })),
  fc
    .uint8Array({ minLength: 64, maxLength: 64 })
    .map((b) => ({ keyType: 'P-256' as const, publicKey: bytesToHex(new Uint8Array([4, ...b])) })),
)

const selfTestArb = fc.record({ modelId: hex32, passed: fc.boolean() })

const backendReportArb = fc.record({
  backend: fc.constantFrom(...BACKENDS),
  selfTests: fc.uniqueArray(selfTestArb, { maxLength: 4, selector: (t) => t.modelId }),
})

export const helloArb: fc.Arbitrary<Message> = fc
  .record({
    clientVersion: unicodeText(30),
    backends: fc.uniqueArray(backendReportArb, { maxLength: 3, selector: (r) => r.backend }),
    cachedModels: fc.uniqueArray(hex32, { maxLength: 4 }),
    slots: fc.nat({ max: 256 }),
    sessionKey: sessionKeyArb,
    delegation: fc.option(
      fc.record({
        wallet: address,
        origin: unicodeText(100),
        chainId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        issuedAt: fc.nat({ max: 2 ** 40 }),
        expiresAt: fc.nat({ max: 2 ** 40 }),
        nonce: hex32,
        signature: fc.uint8Array({ minLength: 1, maxLength: 80 }).map((b) => bytesToHex(b)),
      }),
      { nil: undefined },
    ),
    partner: fc.option(address, { nil: undefined }),
  })
  .map(({ delegation, partner, ...fields }) => {
    const message: HelloMessage = { v: 1, type: 'hello', ...fields }
    if (delegation) {
      const { signature, ...rest } = delegation
      message.delegation = {
        delegation: {
          ...rest,
          sessionKey: fields.sessionKey.publicKey,
          keyType: fields.sessionKey.keyType,
        },
        signature,
      }
    }
    if (partner) message.partner = partner
    return message
  })

export const slotsArb: fc.Arbitrary<Message> = fc
  .nat({ max: 256 })
  .map((free) => ({ v: 1, type: 'slots', free }))

export const assignArb: fc.Arbitrary<Message> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant('assign' as const),
  jobId,
  modelId: hex32,
  inputs: tensorMapArb,
  outputNames: fc.uniqueArray(tensorNameArb, { minLength: 1, maxLength: 4 }),
  leaseDeadline: fc.maxSafeNat(),
  attempt: fc.integer({ min: 1, max: 65_535 }),
})

export const resultArb: fc.Arbitrary<Message> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant('result' as const),
  jobId,
  outputs: tensorMapArb,
  inputHash: hex32,
  outputHash: hex32,
  backend: fc.constantFrom(...BACKENDS),
  timings: fc.record(
    { queueMs: finiteDouble(1e6), inferenceMs: finiteDouble(1e6), totalMs: finiteDouble(1e6) },
    { requiredKeys: ['inferenceMs', 'totalMs'] },
  ),
  signature: fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => bytesToHex(b)),
})

const detailValue = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((value) => (value === 0 ? 0 : value)),
  unicodeText(50, 0),
)

export const errorArb: fc.Arbitrary<Message> = fc.record(
  {
    v: fc.constant(1 as const),
    type: fc.constant('error' as const),
    jobId,
    error: fc.record({
      name: unicodeText(30),
      code: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,30}$/),
      message: unicodeText(200, 0),
      details: fc.dictionary(unicodeText(30), detailValue, { maxKeys: 5, noNullPrototype: true }),
    }),
  },
  { requiredKeys: ['v', 'type', 'error'] },
)

export const ackArb: fc.Arbitrary<Message> = fc.record(
  {
    v: fc.constant(1 as const),
    type: fc.constant('ack' as const),
    jobId,
    accepted: fc.boolean(),
    code: fc.stringMatching(/^[A-Z][A-Z0-9_]{0,30}$/),
  },
  { requiredKeys: ['v', 'type', 'jobId', 'accepted'] },
)

export const creditArb: fc.Arbitrary<Message> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant('credit' as const),
  jobId,
  amount: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  status: fc.constantFrom(...CREDIT_STATUSES),
})

export const heartbeatArb: fc.Arbitrary<Message> = fc.record({
  v: fc.constant(1 as const),
  type: fc.constant('heartbeat' as const),
  seq: fc.maxSafeNat(),
  sentAt: fc.maxSafeNat(),
})

export const messageArbs = {
  hello: helloArb,
  slots: slotsArb,
  assign: assignArb,
  result: resultArb,
  error: errorArb,
  ack: ackArb,
  credit: creditArb,
  heartbeat: heartbeatArb,
} satisfies Record<Message['type'], fc.Arbitrary<Message>>

export const messageArb: fc.Arbitrary<Message> = fc.oneof(...Object.values(messageArbs))
