import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { BaseError } from '../../../src/protocol/errors/BaseError.ts'
import { createDashboardApi } from '../../../src/ui/dashboard/createDashboardApi.ts'
import { DashboardError } from '../../../src/ui/dashboard/DashboardError.ts'
import { signInWithEthereum } from '../../../src/ui/dashboard/signInWithEthereum.ts'
import { fakeReferenceRunner, sumModel } from '../../fixtures/fakeModelCatalog.ts'
import { type SimulatedWorker, startSimulatedWorker } from '../../fixtures/simulatedWorker.ts'
import {
  eventually,
  startJobNetwork,
  submitJobs,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../../gateway/jobNetworkHarness.ts'

/**
 * The dashboard's client (createDashboardApi, signInWithEthereum) against the real gateway
 * routes in-process: a browser's cookie jar stands in for Chromium's, a viem key for the wallet.
 */

let grid: TestJobNetwork
let worker: SimulatedWorker
const alice = privateKeyToAccount(generatePrivateKey())
const location = { host: new URL(TEST_ORIGIN).host, origin: TEST_ORIGIN }

/** fetch with one cookie jar, as a browser tab has. */
function browserFetch(): typeof fetch {
  let cookie = ''
  return async (input, init) => {
    const headers = new Headers(init?.headers)
    if (cookie) headers.set('cookie', cookie)
    const response = await fetch(input, { ...init, headers })
    const set = response.headers.get('set-cookie')
    if (set) cookie = set.split(';')[0] ?? ''
    return response
  }
}

beforeAll(async () => {
  grid = await startJobNetwork({ http: true, reference: fakeReferenceRunner, random: () => 0 })
  const { nonce } = await grid.network.nonces.issue(Date.now())
  worker = await startSimulatedWorker({
    gateway: grid.multiaddrs,
    chainId: TEST_CHAIN_ID,
    wallet: { account: alice, nonce, origin: TEST_ORIGIN },
  })
  const ids = await submitJobs(
    grid.network,
    Array.from({ length: 3 }, () => ({ model: sumModel.name, price: 2000n })),
  )
  await eventually(
    async () => {
      for (const id of ids)
        if ((await grid.network.scheduler.getJob(id))?.verifiedAt === undefined) return false
      return true
    },
    { what: 'jobs verified' },
  )
})
afterAll(async () => {
  await worker?.stop()
  await grid?.stop({ remove: true })
})

describe('signInWithEthereum', () => {
  test('default: one signature signs in; the ledger then answers for that wallet', async () => {
    const api = createDashboardApi({ baseUrl: grid.baseUrl, fetch: browserFetch() })
    expect(await api.session()).toBeUndefined()
    const messages: string[] = []
    const session = await signInWithEthereum({
      api,
      address: alice.address,
      location,
      signMessage: async (message) => {
        messages.push(message)
        return alice.signMessage({ message })
      },
    })
    expect(session.address).toBe(alice.address)
    expect(messages).toHaveLength(1)
    expect(messages[0]).toContain(`${location.host} wants you to sign in`)
    expect(messages[0]).toContain(`Chain ID: ${TEST_CHAIN_ID}`)
    expect((await api.session())?.address).toBe(alice.address)
    const summary = await api.summary(alice.address)
    // 3 results x 70% of 2000.
    expect(summary.balances).toEqual({ verified: '4200', pending: '0' })
    const page = await api.entries(alice.address, { limit: 2, model: sumModel.name })
    expect(page.entries).toHaveLength(2)
    expect(page.nextCursor).not.toBeNull()
    const rest = await api.entries(alice.address, { limit: 2, cursor: page.nextCursor ?? '' })
    expect(rest.entries).toHaveLength(1)
    expect(rest.nextCursor).toBeNull()
    expect(api.csvUrl(alice.address, { decision: 'valid', model: undefined })).toBe(
      `${grid.baseUrl}/v1/ledger/${alice.address}/entries.csv?decision=valid`,
    )
    await api.signOut()
    expect(await api.session()).toBeUndefined()
  })

  test('error: a declined signature or a refused message is DASHBOARD_SIGN_IN_FAILED', async () => {
    const api = createDashboardApi({ baseUrl: grid.baseUrl, fetch: browserFetch() })
    const declined = signInWithEthereum({
      api,
      address: alice.address,
      location,
      signMessage: async () => {
        throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
      },
    })
    await expect(declined).rejects.toBeInstanceOf(DashboardError)
    await expect(declined).rejects.toMatchObject({
      code: 'DASHBOARD_SIGN_IN_FAILED',
      shortMessage:
        'The wallet declined to sign the sign-in message. Press Sign in again to retry.',
    })
    // Signed by another key than the address in the message: the gateway refuses it.
    const other = privateKeyToAccount(generatePrivateKey())
    const refused = signInWithEthereum({
      api,
      address: alice.address,
      location,
      signMessage: (message) => other.signMessage({ message }),
    })
    await expect(refused).rejects.toMatchObject({
      code: 'DASHBOARD_SIGN_IN_FAILED',
      shortMessage: expect.stringMatching(/^The gateway refused the sign-in: /),
    })
    expect(await api.session()).toBeUndefined()
  })

  test('error: the ledger without a session keeps the gateway’s code; no gateway is DASHBOARD_REQUEST_FAILED', async () => {
    const api = createDashboardApi({ baseUrl: grid.baseUrl, fetch: browserFetch() })
    const unauthorized = await api.summary(alice.address).catch((error: unknown) => error)
    expect(unauthorized).toBeInstanceOf(BaseError)
    expect(unauthorized).toMatchObject({ code: 'LEDGER_UNAUTHORIZED' })
    const gone = createDashboardApi({ baseUrl: 'http://127.0.0.1:1' })
    await expect(gone.summary(alice.address)).rejects.toMatchObject({
      name: 'DashboardError',
      code: 'DASHBOARD_REQUEST_FAILED',
    })
  })
})
