// The wallet side of delegation in Node: a real gateway issues the nonce over HTTP, a viem
// account signs as the wallet would, WebCrypto makes the session key. The signer counts prompts.
import type { Hex, PrivateKeyAccount } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { GetDelegationTypedDataReturnType } from '../../src/protocol/eip712/getDelegationTypedData.ts'
import { verifyDelegation } from '../../src/protocol/eip712/verifyDelegation.ts'
import { createMemorySessionKeyStore } from '../../src/wallet/createMemorySessionKeyStore.ts'
import {
  type GetDelegatedSessionParameters,
  getDelegatedSession,
} from '../../src/wallet/getDelegatedSession.ts'
import { WalletError } from '../../src/wallet/WalletError.ts'
import {
  startJobNetwork,
  TEST_CHAIN_ID,
  TEST_ORIGIN,
  type TestJobNetwork,
} from '../gateway/jobNetworkHarness.ts'

let grid: TestJobNetwork
beforeAll(async () => {
  grid = await startJobNetwork({ http: true })
})
afterAll(async () => {
  await grid?.stop({ remove: true })
})

function countingSigner(account: PrivateKeyAccount) {
  const signer = {
    prompts: 0,
    sign: async (typedData: GetDelegationTypedDataReturnType): Promise<Hex> => {
      signer.prompts += 1
      return account.signTypedData(typedData)
    },
  }
  return signer
}

function parameters(
  account: PrivateKeyAccount,
  overrides: Partial<GetDelegatedSessionParameters> = {},
): GetDelegatedSessionParameters {
  return {
    wallet: account.address,
    chainId: TEST_CHAIN_ID,
    origin: TEST_ORIGIN,
    baseUrl: grid.baseUrl,
    store: createMemorySessionKeyStore(),
    signTypedData: (typedData) => account.signTypedData(typedData),
    ...overrides,
  }
}

describe('getDelegatedSession', () => {
  test('default: one signature, a delegation the gateway accepts, reused after a reload', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const signer = countingSigner(account)
    const store = createMemorySessionKeyStore()
    const first = await getDelegatedSession(
      parameters(account, { store, signTypedData: signer.sign }),
    )
    expect(first.reused).toBe(false)
    expect(first.sessionKey.keyType).toBe('P-256')
    const wallet = await verifyDelegation({
      delegation: first.delegation.delegation,
      signature: first.delegation.signature,
      expected: { origin: TEST_ORIGIN, chainId: TEST_CHAIN_ID, now: Math.floor(Date.now() / 1000) },
    })
    expect(wallet).toBe(account.address)
    // The gateway issued that nonce (it is unbound until a hello uses it).
    expect(
      await grid.network.nonces.check(
        first.delegation.delegation.nonce,
        first.sessionKey.publicKey,
        Date.now(),
      ),
    ).toBe('ok')
    // A reload: same store, no prompt, same key.
    const again = await getDelegatedSession(
      parameters(account, { store, signTypedData: signer.sign }),
    )
    expect(again.reused).toBe(true)
    expect(again.sessionKey.publicKey).toBe(first.sessionKey.publicKey)
    expect(signer.prompts).toBe(1)
  })

  test('behavior: the private key cannot be exported', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const session = await getDelegatedSession(parameters(account))
    expect(session.sessionKey.privateKey.extractable).toBe(false)
    await expect(
      globalThis.crypto.subtle.exportKey('pkcs8', session.sessionKey.privateKey),
    ).rejects.toThrow()
  })

  test('behavior: a session close to expiry, another wallet or another chain asks again', async () => {
    const alice = privateKeyToAccount(generatePrivateKey())
    const bob = privateKeyToAccount(generatePrivateKey())
    const store = createMemorySessionKeyStore()
    const signer = countingSigner(alice)
    await getDelegatedSession(
      parameters(alice, { store, signTypedData: signer.sign, lifetimeSeconds: 300 }),
    )
    // 300 s left is under the 600 s minimum: replaced.
    const renewed = await getDelegatedSession(
      parameters(alice, { store, signTypedData: signer.sign }),
    )
    expect(renewed.reused).toBe(false)
    const bobSigner = countingSigner(bob)
    const bobs = await getDelegatedSession(
      parameters(bob, { store, signTypedData: bobSigner.sign }),
    )
    expect(bobs.reused).toBe(false)
    expect(bobs.delegation.delegation.wallet).toBe(bob.address)
    await getDelegatedSession(
      parameters(alice, { store, signTypedData: signer.sign, chainId: 8453 }),
    )
    expect([signer.prompts, bobSigner.prompts]).toEqual([3, 1])
    // alice on the grid chain is still stored: no prompt.
    expect(
      (await getDelegatedSession(parameters(alice, { store, signTypedData: signer.sign }))).reused,
    ).toBe(true)
  })

  test('error: the person rejects the signature (EIP-1193 4001)', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const store = createMemorySessionKeyStore()
    const error = await getDelegatedSession(
      parameters(account, {
        store,
        signTypedData: async () => {
          throw Object.assign(new Error('User rejected the request.'), { code: 4001 })
        },
      }),
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(WalletError)
    expect((error as WalletError).code).toBe('WALLET_REJECTED')
    expect((error as WalletError).shortMessage).toMatch(/Press Start to try again/)
    // Nothing half-made was kept.
    expect(
      await store.get(`${TEST_ORIGIN}|${TEST_CHAIN_ID}|${account.address.toLowerCase()}`),
    ).toBeUndefined()
  })

  test('error: the gateway does not answer with a nonce', async () => {
    const account = privateKeyToAccount(generatePrivateKey())
    const error = await getDelegatedSession(
      parameters(account, { baseUrl: 'http://127.0.0.1:9' }),
    ).catch((e: unknown) => e)
    expect((error as WalletError).code).toBe('WALLET_NONCE_FAILED')
  })
})
