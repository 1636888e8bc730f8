/** Fixed, valid messages of every type, for example-based and fuzz tests. */
import type { Message } from '../../src/protocol/index'

const hash = (byte: string): `0x${string}` => `0x${byte.repeat(32)}`

export const ed25519Key = hash('11')

export const fixtureMessages = {
  hello: {
    v: 1,
    type: 'hello',
    clientVersion: 'inference-grid/0.1.0',
    backends: [
      { backend: 'webgpu', selfTests: [{ modelId: hash('aa'), passed: false }] },
      { backend: 'wasm', selfTests: [{ modelId: hash('aa'), passed: true }] },
    ],
    cachedModels: [hash('aa')],
    slots: 2,
    sessionKey: { publicKey: ed25519Key, keyType: 'Ed25519' },
    delegation: {
      delegation: {
        wallet: '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266',
        sessionKey: ed25519Key,
        keyType: 'Ed25519',
        origin: 'https://grid.example',
        chainId: 31337,
        issuedAt: 1_700_000_000,
        expiresAt: 1_700_086_400,
        nonce: hash('22'),
      },
      signature: `0x${'33'.repeat(65)}`,
    },
    partner: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
  },
  slots: { v: 1, type: 'slots', free: 3 },
  assign: {
    v: 1,
    type: 'assign',
    jobId: 'job-01HZX',
    modelId: hash('aa'),
    inputs: {
      input: { dtype: 'float32', dims: [1, 2], data: new Uint8Array([0, 0, 128, 63, 0, 0, 0, 64]) },
      sr: { dtype: 'int64', dims: [], data: new Uint8Array([128, 62, 0, 0, 0, 0, 0, 0]) },
    },
    outputNames: ['output', 'stateN'],
    leaseDeadline: 1_700_000_030_000,
    attempt: 1,
  },
  result: {
    v: 1,
    type: 'result',
    jobId: 'job-01HZX',
    outputs: { output: { dtype: 'bool', dims: [3], data: new Uint8Array([1, 0, 1]) } },
    inputHash: hash('44'),
    outputHash: hash('55'),
    backend: 'wasm',
    timings: { queueMs: 0.25, inferenceMs: 3.5, totalMs: 4 },
    signature: `0x${'66'.repeat(64)}`,
  },
  error: {
    v: 1,
    type: 'error',
    jobId: 'job-01HZX',
    error: {
      name: 'JobError',
      code: 'JOB_INFERENCE_FAILED',
      message: 'The model run failed.',
      details: { backend: 'webgpu', retryable: true },
    },
  },
  ack: { v: 1, type: 'ack', jobId: 'job-01HZX', accepted: false, code: 'RESULT_INVALID_SIGNATURE' },
  credit: { v: 1, type: 'credit', jobId: 'job-01HZX', amount: 1_500_000n, status: 'pending' },
  heartbeat: { v: 1, type: 'heartbeat', seq: 7, sentAt: 1_700_000_000_000 },
} satisfies Record<Message['type'], Message>
