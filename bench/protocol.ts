/**
 * Protocol benchmark: what the wire format and the signatures cost on one core of this machine.
 * Run: `npx tsx bench/protocol.ts` (or `npm run bench -- protocol`).
 */
import { privateKeyToAccount } from 'viem/accounts'
import {
  createGridDomain,
  decodeMessage,
  encodeMessage,
  generateSessionKey,
  getDelegationTypedData,
  hashTensorMap,
  importSessionPublicKey,
  type Message,
  PROTOCOL_VERSION,
  type ResultClaim,
  type SessionKeyType,
  signResult,
  type TensorMap,
  verifyDelegation,
  verifyResultSignature,
} from '../src/protocol/index.ts'
import { fmt, measure, table } from './measure.ts'

const MODEL_ID = `0x${'ab'.repeat(32)}` as const

function tensors(dims: number[]): TensorMap {
  const count = dims.reduce((a, b) => a * b, 1)
  const data = new Uint8Array(count * 4)
  for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24
  return { x: { dtype: 'float32', dims, data } }
}

const shapes: [string, number[]][] = [
  ['silero input [1,512]', [1, 512]],
  ['rec input [1,3,48,320]', [1, 3, 48, 320]],
  ['det input [1,3,640,640]', [1, 3, 640, 640]],
]

async function codecRows(): Promise<string[][]> {
  const rows: string[][] = []
  for (const [label, dims] of shapes) {
    const inputs = tensors(dims)
    const message: Message = {
      v: PROTOCOL_VERSION,
      type: 'assign',
      jobId: 'job-1',
      modelId: MODEL_ID,
      inputs,
      outputNames: ['y'],
      leaseDeadline: Date.now() + 30_000,
      attempt: 1,
    }
    const bytes = encodeMessage(message)
    const mb = bytes.byteLength / 1e6
    const enc = await measure(() => encodeMessage(message), { minMs: 400 })
    const dec = await measure(() => decodeMessage(bytes), { minMs: 400 })
    const hash = await measure(() => hashTensorMap(inputs), { minMs: 400 })
    rows.push([
      label,
      `${(bytes.byteLength / 1024).toFixed(1)}`,
      fmt(enc.median),
      fmt(dec.median),
      fmt(hash.median),
      fmt(mb / (dec.median / 1000), 0),
      fmt(mb / (hash.median / 1000), 0),
    ])
  }
  return rows
}

async function signatureRows(): Promise<string[][]> {
  const domain = createGridDomain({ chainId: 31337 })
  const rows: string[][] = []
  for (const keyType of ['Ed25519', 'P-256'] as SessionKeyType[]) {
    const { keyPair, publicKeyHex } = await generateSessionKey(keyType)
    const claim: ResultClaim = {
      jobId: 'job-1',
      modelId: MODEL_ID,
      inputHash: `0x${'11'.repeat(32)}`,
      outputHash: `0x${'22'.repeat(32)}`,
      backend: 'wasm',
      inferenceUs: 1234,
      totalUs: 2345,
      sessionKey: publicKeyHex,
    }
    const signature = await signResult(keyPair.privateKey, keyType, claim, domain)
    const publicKey = await importSessionPublicKey(publicKeyHex, keyType)
    const sign = await measure(() => signResult(keyPair.privateKey, keyType, claim, domain))
    const verify = await measure(() =>
      verifyResultSignature({ publicKey, keyType, result: claim, signature, domain }),
    )
    rows.push([
      `result ${keyType} (cached key)`,
      fmt(sign.median),
      fmt(verify.median),
      fmt(1000 / verify.median, 0),
    ])
  }
  const account = privateKeyToAccount(
    '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  )
  const { publicKeyHex } = await generateSessionKey('Ed25519')
  const now = Math.floor(Date.now() / 1000)
  const delegation = {
    wallet: account.address,
    sessionKey: publicKeyHex,
    keyType: 'Ed25519' as const,
    origin: 'http://127.0.0.1:8700',
    chainId: 31337,
    issuedAt: now,
    expiresAt: now + 3600,
    nonce: `0x${'33'.repeat(32)}` as const,
  }
  const walletSignature = await account.signTypedData(getDelegationTypedData(delegation))
  const expected = { origin: delegation.origin, chainId: 31337, now }
  const sign = await measure(() => account.signTypedData(getDelegationTypedData(delegation)))
  const verify = await measure(() =>
    verifyDelegation({ delegation, signature: walletSignature, expected }),
  )
  rows.push([
    'delegation (EIP-712, secp256k1)',
    fmt(sign.median),
    fmt(verify.median),
    fmt(1000 / verify.median, 0),
  ])
  return rows
}

export async function runProtocolBench(): Promise<string> {
  const codec = table(
    ['assign message', 'KiB', 'encode ms', 'decode ms', 'hash ms', 'decode MB/s', 'hash MB/s'],
    await codecRows(),
  )
  const signatures = table(
    ['signature', 'sign ms', 'verify ms', 'verifications/s (1 core)'],
    await signatureRows(),
  )
  return `## Protocol (Node ${process.version}, one core)\n\n${codec}\n\n${signatures}\n`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runProtocolBench())
}
