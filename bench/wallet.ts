/**
 * Wallet benchmark: what one wallet-delegated session costs the gateway and the contributor.
 * - Results verified per second per gateway core: the gateway's whole acceptance check of a result
 *   (checkResult: input hash, outputs against the manifest, output hash, EIP-712 digest, session-key
 *   signature with the cached key), many in flight on one thread, per session key type.
 * - Delegation verification time: verifyHello as a new session pays it once (nonce in SQLite,
 *   EIP-712 signer recovery, key import), beside the signer recovery alone.
 * - Wallet prompts per 1,000 jobs: a real job network on loopback, a worker whose key comes from
 *   getDelegatedSession with a signer that counts prompts, 1,000 jobs and a "reload" midway.
 * bench/protocol.ts has the per-call sign/verify medians; this suite measures the paths around them.
 * Run: `npm run bench -- wallet`.
 */
import '../src/p2p/polyfills.node.ts'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createLogger } from '../src/gateway/logging/createLogger.ts'
import { openDatabase } from '../src/gateway/storage/openDatabase.ts'
import { checkResult } from '../src/gateway/work/checkResult.ts'
import { createSqliteDelegationNonces } from '../src/gateway/work/DelegationNonces.ts'
import { verifyHello } from '../src/gateway/work/verifyHello.ts'
import { createWorkClient } from '../src/p2p/workClient.ts'
import { createGridDomain } from '../src/protocol/eip712/createGridDomain.ts'
import { generateSessionKey } from '../src/protocol/eip712/generateSessionKey.ts'
import { getDelegationTypedData } from '../src/protocol/eip712/getDelegationTypedData.ts'
import { importSessionPublicKey } from '../src/protocol/eip712/importSessionPublicKey.ts'
import { resultClaimFromMessage } from '../src/protocol/eip712/resultClaimFromMessage.ts'
import type { SessionKeyType } from '../src/protocol/eip712/sessionKeyTypes.ts'
import { signResult } from '../src/protocol/eip712/signResult.ts'
import { verifyDelegation } from '../src/protocol/eip712/verifyDelegation.ts'
import { hashTensorMap } from '../src/protocol/hash/hashTensorMap.ts'
import {
  type HelloMessage,
  PROTOCOL_VERSION,
  type ResultMessage,
} from '../src/protocol/messages.ts'
import { createMemorySessionKeyStore } from '../src/wallet/createMemorySessionKeyStore.ts'
import { getDelegatedSession } from '../src/wallet/getDelegatedSession.ts'
import {
  fakeModelCatalog,
  float32Tensor,
  runFakeModel,
  sumModel,
} from '../test/fixtures/fakeModelCatalog.ts'
import { createTestNode, openWorkStream, pickAddress } from '../test/fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
} from '../test/gateway/jobNetworkHarness.ts'
import { fmt, measure, summarize, table } from './measure.ts'

const KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const
const GOAL_RESULTS_PER_S = 3000

async function resultThroughput(keyType: SessionKeyType): Promise<string[]> {
  const domain = createGridDomain({ chainId: TEST_CHAIN_ID })
  const catalog = fakeModelCatalog()
  const key = await generateSessionKey(keyType)
  const session = {
    verifyKey: await importSessionPublicKey(key.publicKeyHex, keyType),
    publicKey: key.publicKeyHex,
    keyType,
  }
  // 256 distinct signed results (test-sum, batch 1: signature cost dominates, as for small models).
  const items: { lease: Parameters<typeof checkResult>[0]['lease']; result: ResultMessage }[] = []
  for (let i = 0; i < 256; i++) {
    const inputs = { x: float32Tensor([1, 4], [i, 1, 2, 3]) }
    const outputs = runFakeModel(sumModel.id, inputs, ['sum', 'max'])
    const inputHash = await hashTensorMap(inputs)
    const outputHash = await hashTensorMap(outputs)
    const timings = { inferenceMs: 1.5, totalMs: 2.25 }
    const jobId = `job-${i}`
    const claim = resultClaimFromMessage(
      { jobId, inputHash, outputHash, backend: 'wasm', timings },
      { modelId: sumModel.id, sessionKey: key.publicKeyHex },
    )
    const signature = await signResult(key.keyPair.privateKey, keyType, claim, domain)
    items.push({
      lease: {
        jobId,
        modelId: sumModel.id,
        inputHash,
        outputNames: ['sum', 'max'],
        axes: { batch: 1 },
      },
      result: {
        v: PROTOCOL_VERSION,
        type: 'result',
        jobId,
        outputs,
        inputHash,
        outputHash,
        backend: 'wasm',
        timings,
        signature,
      },
    })
  }
  const checkAll = () =>
    Promise.all(
      items.map(({ lease, result }) => checkResult({ lease, result, catalog, session, domain })),
    )
  for (let i = 0; i < 5; i++) await checkAll()
  const rates: number[] = []
  const deadline = performance.now() + 1500
  while (performance.now() < deadline || rates.length < 5) {
    const t0 = performance.now()
    await checkAll()
    rates.push(items.length / ((performance.now() - t0) / 1000))
  }
  const median = summarize(rates).median
  const perResult = await measure(() => {
    const item = items[0]
    if (!item) throw new Error('no item')
    return checkResult({ ...item, catalog, session, domain })
  })
  return [
    keyType === 'P-256' ? 'P-256 (the app’s choice)' : keyType,
    fmt(perResult.median),
    fmt(median, 0),
    `${(median / GOAL_RESULTS_PER_S).toFixed(2)}x`,
  ]
}

async function delegationRows(): Promise<string[][]> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'grid-bench-wallet-'))
  const logger = createLogger({ level: 'silent' })
  const database = await openDatabase({ dataDir, logger })
  try {
    const nonces = createSqliteDelegationNonces({ db: database.sqlite })
    const account = privateKeyToAccount(KEY)
    const hellos: HelloMessage[] = []
    for (let i = 0; i < 200; i++) {
      const key = await generateSessionKey('Ed25519')
      const { nonce } = await nonces.issue(Date.now())
      const now = Math.floor(Date.now() / 1000)
      const delegation = {
        wallet: account.address,
        sessionKey: key.publicKeyHex,
        keyType: 'Ed25519' as const,
        origin: TEST_ORIGIN,
        chainId: TEST_CHAIN_ID,
        issuedAt: now,
        expiresAt: now + 3600,
        nonce,
      }
      const signature = await account.signTypedData(getDelegationTypedData(delegation))
      hellos.push({
        v: PROTOCOL_VERSION,
        type: 'hello',
        clientVersion: 'bench/1',
        backends: [{ backend: 'wasm', selfTests: [] }],
        cachedModels: [],
        slots: 4,
        sessionKey: { publicKey: key.publicKeyHex, keyType: 'Ed25519' },
        delegation: { delegation, signature },
      })
    }
    const times: number[] = []
    const recoverTimes: number[] = []
    for (const hello of hellos) {
      const signed = hello.delegation
      if (!signed) continue
      const r0 = performance.now()
      await verifyDelegation({
        delegation: signed.delegation,
        signature: signed.signature,
        expected: {
          origin: TEST_ORIGIN,
          chainId: TEST_CHAIN_ID,
          now: Math.floor(Date.now() / 1000),
        },
      })
      recoverTimes.push(performance.now() - r0)
      const t0 = performance.now()
      await verifyHello({
        hello,
        allowedOrigins: [TEST_ORIGIN],
        chainId: TEST_CHAIN_ID,
        nonces,
        now: Date.now(),
      })
      times.push(performance.now() - t0)
    }
    const hello = summarize(times.slice(20))
    const recover = summarize(recoverTimes.slice(20))
    return [
      [
        'verifyDelegation alone (checks + secp256k1 recovery)',
        fmt(recover.median),
        fmt(recover.p99),
      ],
      ['verifyHello (+ nonce check/bind in SQLite, key import)', fmt(hello.median), fmt(hello.p99)],
    ]
  } finally {
    await database.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

/** 1,000 jobs through a real job network by one tab whose key a counting wallet delegated. */
async function promptsPerThousandJobs(): Promise<string[][]> {
  const grid = await startJobNetwork({ http: true })
  const account = privateKeyToAccount(KEY)
  const store = createMemorySessionKeyStore()
  let prompts = 0
  const signTypedData = (typedData: ReturnType<typeof getDelegationTypedData>): Promise<Hex> => {
    prompts += 1
    return account.signTypedData(typedData)
  }
  const node = await createTestNode()
  const address = pickAddress(grid.multiaddrs, 'ws')
  try {
    const t0 = performance.now()
    for (const half of [0, 1]) {
      // Each half is a page load: a new client, the session from the store.
      const session = await getDelegatedSession({
        wallet: account.address,
        chainId: TEST_CHAIN_ID,
        origin: TEST_ORIGIN,
        baseUrl: grid.baseUrl,
        store,
        signTypedData,
      })
      const client = createWorkClient(
        {
          clientVersion: 'bench/1',
          backends: [{ backend: 'wasm', selfTests: [] }],
          slots: 8,
          sessionKey: session.sessionKey,
          delegation: session.delegation,
          chainId: TEST_CHAIN_ID,
          runJob: async (job) => ({
            outputs: runFakeModel(job.modelId, job.inputs, job.outputNames),
            backend: 'wasm',
            inferenceMs: 0.1,
          }),
        },
        { openStream: () => openWorkStream(node, address) },
      )
      await client.start()
      const ids = await submitJobs(
        grid.network,
        Array.from({ length: 500 }, (_, i) => ({
          inputs: { x: float32Tensor([1, 4], [half * 500 + i, 1, 2, 3]) },
        })),
      )
      await eventually(
        async () => {
          const jobs = await Promise.all(ids.map((id) => grid.network.scheduler.getJob(id)))
          return jobs.every((job) => job?.state === 'completed')
        },
        { timeoutMs: 120_000, intervalMs: 200 },
      )
      await client.stop()
    }
    const elapsedS = (performance.now() - t0) / 1000
    const credited =
      grid.database.sqlite
        .prepare<[string], { n: number }>('SELECT count(*) AS n FROM job_results WHERE wallet = ?')
        .get(account.address)?.n ?? 0
    return [
      ['1,000 jobs, 2 page loads', String(prompts), String(credited), fmt(credited / elapsedS, 0)],
    ]
  } finally {
    await node.stop()
    await grid.stop({ remove: true })
  }
}

export async function runWalletBench(): Promise<string> {
  const throughput = table(
    [
      'session key',
      'check ms (1 result)',
      'results verified/s (1 core)',
      `vs goal ${GOAL_RESULTS_PER_S}/s`,
    ],
    [await resultThroughput('P-256'), await resultThroughput('Ed25519')],
  )
  const delegation = table(
    ['delegation, once per session', 'median ms', 'p99 ms'],
    await delegationRows(),
  )
  const prompts = table(
    [
      'wallet-delegated tab',
      'wallet prompts',
      'results credited to the wallet',
      'jobs/s (loopback, fake model)',
    ],
    await promptsPerThousandJobs(),
  )
  return `## Wallet (Node ${process.version}, one core)\n\n${throughput}\n\n${delegation}\n\n${prompts}\n`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(await runWalletBench())
}
