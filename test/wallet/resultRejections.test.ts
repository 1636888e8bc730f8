// Every way a contribution must fail to earn, against the real job network (libp2p on loopback,
// SQLite in a temp dir, real EIP-712 and WebCrypto signatures): the gateway answers with the typed
// code, and no credit (a job_results row, or even a session, under the wallet) is written.
import type { Libp2p } from 'libp2p'
import { concat, type Hex, type PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, test } from 'vitest'
import { createMessageChannel, type MessageChannel } from '../../src/p2p/createMessageChannel.ts'
import { createGridDomain } from '../../src/protocol/eip712/createGridDomain.ts'
import type { SignedDelegation } from '../../src/protocol/eip712/delegationTypes.ts'
import {
  type GenerateSessionKeyReturnType,
  generateSessionKey,
} from '../../src/protocol/eip712/generateSessionKey.ts'
import { resultClaimFromMessage } from '../../src/protocol/eip712/resultClaimFromMessage.ts'
import { signResult } from '../../src/protocol/eip712/signResult.ts'
import { hashTensorMap } from '../../src/protocol/hash/hashTensorMap.ts'
import {
  type AssignMessage,
  type Message,
  PROTOCOL_VERSION,
  type ResultMessage,
} from '../../src/protocol/messages.ts'
import { runFakeModel } from '../fixtures/fakeModelCatalog.ts'
import {
  createTestNode,
  openWorkStream,
  pickAddress,
  signTestDelegation,
  type WalletOptions,
} from '../fixtures/simulatedWorker.ts'
import {
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../gateway/jobNetworkHarness.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function network(
  options: Parameters<typeof startJobNetwork>[0] = {},
): Promise<TestJobNetwork> {
  const grid = await startJobNetwork(options)
  cleanups.push(() => grid.stop({ remove: true }))
  return grid
}

type Session = {
  channel: MessageChannel
  node: Libp2p
  key: GenerateSessionKeyReturnType
  next(type: Message['type'], timeoutMs?: number): Promise<Message>
}

/** A worker speaking the protocol by hand, so each test can send exactly what it means to. */
async function session(
  grid: TestJobNetwork,
  delegate?: (key: GenerateSessionKeyReturnType) => Promise<SignedDelegation>,
): Promise<Session> {
  const node = await createTestNode()
  cleanups.push(async () => node.stop())
  const channel = createMessageChannel(
    await openWorkStream(node, pickAddress(grid.multiaddrs, 'ws')),
  )
  const key = await generateSessionKey('Ed25519')
  const received: Message[] = []
  let wake: () => void = () => undefined
  void (async () => {
    try {
      for (;;) {
        const message = await channel.read()
        if (!message) break
        received.push(message)
        wake()
      }
    } catch {
      // Dropped by the gateway: what the hello tests expect.
    }
    wake()
  })()
  await channel.send({
    v: PROTOCOL_VERSION,
    type: 'hello',
    clientVersion: 'rejections-test/1',
    backends: [{ backend: 'wasm', selfTests: [] }],
    cachedModels: [],
    slots: 1,
    sessionKey: { publicKey: key.publicKeyHex, keyType: 'Ed25519' },
    ...(delegate ? { delegation: await delegate(key) } : {}),
  })
  return {
    channel,
    node,
    key,
    async next(type, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const index = received.findIndex((m) => m.type === type)
        if (index !== -1) return received.splice(index, 1)[0] as Message
        if (Date.now() > deadline)
          throw new Error(`no ${type}; got ${received.map((m) => m.type).join(', ')}`)
        await new Promise<void>((resolve) => {
          wake = resolve
          setTimeout(resolve, 100)
        })
      }
    },
  }
}

function delegation(
  options: Omit<WalletOptions, 'origin'> & { origin?: string; chainId?: number },
) {
  return (key: GenerateSessionKeyReturnType) =>
    signTestDelegation(
      { origin: TEST_ORIGIN, ...options },
      key.publicKeyHex,
      'Ed25519',
      options.chainId ?? TEST_CHAIN_ID,
    )
}

async function issuedNonce(grid: TestJobNetwork): Promise<Hex> {
  return (await grid.network.nonces.issue(Date.now())).nonce
}

/** Credit written for a wallet: accepted results, and sessions recorded under it. */
function creditOf(grid: TestJobNetwork, wallet: string): { results: number; sessions: number } {
  const count = (sql: string) =>
    grid.database.sqlite.prepare<[string], { n: number }>(sql).get(wallet)?.n ?? -1
  return {
    results: count('SELECT count(*) AS n FROM job_results WHERE wallet = ?'),
    sessions: count('SELECT count(*) AS n FROM worker_sessions WHERE wallet = ?'),
  }
}

async function helloRejection(s: Session): Promise<string | undefined> {
  const message = await s.next('error')
  return message.type === 'error' ? message.error.code : undefined
}

async function resultFor(
  assign: AssignMessage,
  s: Session,
  signer = s.key,
): Promise<ResultMessage> {
  const outputs = runFakeModel(assign.modelId, assign.inputs, assign.outputNames)
  const inputHash = await hashTensorMap(assign.inputs)
  const outputHash = await hashTensorMap(outputs)
  const timings = { inferenceMs: 1, totalMs: 2 }
  const claim = resultClaimFromMessage(
    { jobId: assign.jobId, inputHash, outputHash, backend: 'wasm', timings },
    { modelId: assign.modelId, sessionKey: s.key.publicKeyHex },
  )
  const domain = createGridDomain({ chainId: TEST_CHAIN_ID })
  const signature = await signResult(signer.keyPair.privateKey, 'Ed25519', claim, domain)
  return {
    v: PROTOCOL_VERSION,
    type: 'result',
    jobId: assign.jobId,
    outputs,
    inputHash,
    outputHash,
    backend: 'wasm',
    timings,
    signature,
  }
}

const newAccount = (): PrivateKeyAccount => privateKeyToAccount(generatePrivateKey())
const nowS = () => Math.floor(Date.now() / 1000)

describe('delegation rejections (hello): typed error, session dropped, no credit', () => {
  test('error: an expired delegation', async () => {
    const grid = await network()
    const account = newAccount()
    const nonce = await issuedNonce(grid)
    const s = await session(
      grid,
      delegation({ account, nonce, issuedAt: nowS() - 7200, lifetimeSeconds: 3600 }),
    )
    expect(await helloRejection(s)).toBe('DELEGATION_EXPIRED')
    expect(creditOf(grid, account.address)).toEqual({ results: 0, sessions: 0 })
  })

  test('error: a delegation that is not valid yet', async () => {
    const grid = await network()
    const account = newAccount()
    const nonce = await issuedNonce(grid)
    const s = await session(grid, delegation({ account, nonce, issuedAt: nowS() + 3600 }))
    expect(await helloRejection(s)).toBe('DELEGATION_NOT_YET_VALID')
    expect(creditOf(grid, account.address)).toEqual({ results: 0, sessions: 0 })
  })

  test('error: a delegation for another origin', async () => {
    const grid = await network()
    const account = newAccount()
    const nonce = await issuedNonce(grid)
    const s = await session(grid, delegation({ account, nonce, origin: 'https://evil.example' }))
    expect(await helloRejection(s)).toBe('DELEGATION_WRONG_ORIGIN')
    expect(creditOf(grid, account.address)).toEqual({ results: 0, sessions: 0 })
  })

  test('error: a delegation for another chain', async () => {
    const grid = await network()
    const account = newAccount()
    const nonce = await issuedNonce(grid)
    const s = await session(grid, delegation({ account, nonce, chainId: 1 }))
    expect(await helloRejection(s)).toBe('DELEGATION_WRONG_CHAIN')
    expect(creditOf(grid, account.address)).toEqual({ results: 0, sessions: 0 })
  })

  test('error: a nonce reused by another session key (a copied delegation)', async () => {
    const grid = await network()
    const account = newAccount()
    const nonce = await issuedNonce(grid)
    const first = await session(grid, delegation({ account, nonce }))
    const [id = ''] = await submitJobs(grid.network, [{}])
    const assign = (await first.next('assign')) as AssignMessage
    await first.channel.send(await resultFor(assign, first))
    expect(await first.next('ack')).toMatchObject({ jobId: id, accepted: true })
    // The same wallet signs again for a new key, but with the nonce the first key consumed.
    const second = await session(grid, delegation({ account, nonce }))
    expect(await helloRejection(second)).toBe('DELEGATION_NONCE_MISMATCH')
    expect(creditOf(grid, account.address)).toEqual({ results: 1, sessions: 1 })
  })

  test('error: a nonce the gateway never issued', async () => {
    const grid = await network()
    const account = newAccount()
    const s = await session(grid, delegation({ account, nonce: `0x${'ab'.repeat(32)}` }))
    expect(await helloRejection(s)).toBe('DELEGATION_NONCE_MISMATCH')
    expect(creditOf(grid, account.address)).toEqual({ results: 0, sessions: 0 })
  })

  test('error: a forged delegation (signed by another key than the wallet it names)', async () => {
    const grid = await network()
    const victim = newAccount()
    const forger = newAccount()
    const nonce = await issuedNonce(grid)
    const s = await session(grid, async (key) => {
      const signed = await signTestDelegation(
        { account: forger, nonce, origin: TEST_ORIGIN },
        key.publicKeyHex,
        'Ed25519',
        TEST_CHAIN_ID,
      )
      return { ...signed, delegation: { ...signed.delegation, wallet: victim.address } }
    })
    expect(await helloRejection(s)).toBe('DELEGATION_INVALID_SIGNATURE')
    expect(creditOf(grid, victim.address)).toEqual({ results: 0, sessions: 0 })
    expect(creditOf(grid, forger.address)).toEqual({ results: 0, sessions: 0 })
  })

  test('error: a smart-contract wallet signature (ERC-6492) without an RPC configured', async () => {
    const grid = await network()
    const account = newAccount()
    const nonce = await issuedNonce(grid)
    const s = await session(grid, async (key) => {
      const signed = await delegation({ account, nonce })(key)
      // What a counterfactual smart account sends: abi(factory, calldata, signature) ++ magic.
      const wrapped = concat([`0x${'00'.repeat(96)}`, signed.signature, `0x${'64'.repeat(4)}92`])
      return { ...signed, signature: `${wrapped}${'6492'.repeat(15)}` as Hex }
    })
    const error = await s.next('error')
    expect(error.type === 'error' && error.error).toMatchObject({
      code: 'DELEGATION_CONTRACT_WALLET_UNVERIFIABLE',
      message: expect.stringContaining('--rpc-url'),
    })
    expect(creditOf(grid, account.address)).toEqual({ results: 0, sessions: 0 })
  })

  test('error: a smart-contract wallet signature the configured RPC cannot confirm', async () => {
    // Port 9 on loopback refuses connections: the RPC path runs and fails closed.
    const grid = await network({ config: { rpcUrl: 'http://127.0.0.1:9/' } })
    const account = newAccount()
    const nonce = await issuedNonce(grid)
    const s = await session(grid, async (key) => {
      const signed = await delegation({ account, nonce })(key)
      return { ...signed, signature: `${signed.signature}${'00'.repeat(32)}` as Hex }
    })
    expect(await helloRejection(s)).toBe('DELEGATION_INVALID_SIGNATURE')
    expect(creditOf(grid, account.address)).toEqual({ results: 0, sessions: 0 })
  })
})

describe('result rejections (a delegated session): typed ack, no credit', () => {
  test('error: a forged result signature', async () => {
    const grid = await network()
    const account = newAccount()
    const s = await session(grid, delegation({ account, nonce: await issuedNonce(grid) }))
    const [id = ''] = await submitJobs(grid.network, [{ maxAttempts: 5 }])
    const assign = (await s.next('assign')) as AssignMessage
    await s.channel.send(await resultFor(assign, s, await generateSessionKey('Ed25519')))
    expect(await s.next('ack')).toMatchObject({
      jobId: id,
      accepted: false,
      code: 'RESULT_INVALID_SIGNATURE',
    })
    expect(creditOf(grid, account.address)).toEqual({ results: 0, sessions: 1 })
  })

  test('error: a result for a job leased to another session', async () => {
    const grid = await network()
    const alice = newAccount()
    const mallory = newAccount()
    const a = await session(grid, delegation({ account: alice, nonce: await issuedNonce(grid) }))
    const [id = ''] = await submitJobs(grid.network, [{}])
    const assign = (await a.next('assign')) as AssignMessage
    const m = await session(grid, delegation({ account: mallory, nonce: await issuedNonce(grid) }))
    // Correctly computed and signed by mallory's own delegated key: still not mallory's lease.
    await m.channel.send(await resultFor(assign, m))
    expect(await m.next('ack')).toMatchObject({
      jobId: id,
      accepted: false,
      code: 'RESULT_NOT_LEASED',
    })
    expect(creditOf(grid, mallory.address).results).toBe(0)
    await a.channel.send(await resultFor(assign, a))
    expect(await a.next('ack')).toMatchObject({ jobId: id, accepted: true })
    expect(creditOf(grid, alice.address).results).toBe(1)
  })

  test('error: a replayed result earns once', async () => {
    const grid = await network()
    const account = newAccount()
    const s = await session(grid, delegation({ account, nonce: await issuedNonce(grid) }))
    const [id = ''] = await submitJobs(grid.network, [{}])
    const assign = (await s.next('assign')) as AssignMessage
    const result = await resultFor(assign, s)
    await s.channel.send(result)
    expect(await s.next('ack')).toMatchObject({ jobId: id, accepted: true })
    await s.channel.send(result)
    expect(await s.next('ack')).toMatchObject({
      jobId: id,
      accepted: false,
      code: 'RESULT_REPLAYED',
    })
    expect(creditOf(grid, account.address)).toEqual({ results: 1, sessions: 1 })
  })
})
