import fc from 'fast-check'
import { bytesToHex, type Hex, hexToBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeAll, describe, expect, test } from 'vitest'
import { hashTypedDataSlow } from '../../src/protocol/eip712/hashResult'
import {
  createGridDomain,
  type Delegation,
  decodeMessage,
  encodeMessage,
  type GenerateSessionKeyReturnType,
  generateSessionKey,
  getDelegationTypedData,
  hashResult,
  importSessionPublicKey,
  type ResultClaim,
  resultClaimFromMessage,
  type SessionKeyType,
  SignatureError,
  signResult,
  verifyDelegation,
  verifyResultSignature,
} from '../../src/protocol/index'
import { fixtureMessages } from './fixtures'

// Anvil's first two well-known test accounts.
const wallet = privateKeyToAccount(
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
)
const otherWallet = privateKeyToAccount(
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
)

const NOW = 1_700_000_100
const origin = 'https://grid.example'
const chainId = 31337
const domain = createGridDomain({ chainId })

function delegationFor(sessionKey: Hex, keyType: SessionKeyType): Delegation {
  return {
    wallet: wallet.address,
    sessionKey,
    keyType,
    origin,
    chainId,
    issuedAt: NOW - 100,
    expiresAt: NOW + 86_400,
    nonce: `0x${'ab'.repeat(32)}`,
  }
}

const expected = { origin, chainId, now: NOW, nonce: `0x${'ab'.repeat(32)}` as Hex }

async function verifyError(
  delegation: Delegation,
  signature: Hex,
  overrides: Partial<typeof expected> & { maxLifetimeSeconds?: number } = {},
): Promise<SignatureError> {
  try {
    await verifyDelegation({ delegation, signature, expected: { ...expected, ...overrides } })
  } catch (err) {
    if (err instanceof SignatureError) return err
    throw err
  }
  throw new Error('expected verifyDelegation to throw')
}

describe('verifyDelegation', () => {
  let key: GenerateSessionKeyReturnType
  let delegation: Delegation
  let signature: Hex

  beforeAll(async () => {
    key = await generateSessionKey('P-256')
    delegation = delegationFor(key.publicKeyHex, 'P-256')
    signature = await wallet.signTypedData(getDelegationTypedData(delegation))
  })

  test('default', async () => {
    await expect(verifyDelegation({ delegation, signature, expected })).resolves.toBe(
      wallet.address,
    )
  })

  test('behavior: survives the hello message round trip', async () => {
    const hello = {
      ...fixtureMessages.hello,
      sessionKey: { publicKey: key.publicKeyHex, keyType: 'P-256' as const },
      delegation: { delegation, signature },
    }
    const decoded = decodeMessage(encodeMessage(hello))
    if (decoded.type !== 'hello' || !decoded.delegation) throw new Error('unreachable')
    await expect(verifyDelegation({ ...decoded.delegation, expected })).resolves.toBe(
      wallet.address,
    )
  })

  test('behavior: lowercase wallet address in the delegation still verifies', async () => {
    const lower = { ...delegation, wallet: wallet.address.toLowerCase() as Hex }
    const lowerSignature = await wallet.signTypedData(getDelegationTypedData(lower))
    await expect(
      verifyDelegation({ delegation: lower, signature: lowerSignature, expected }),
    ).resolves.toBe(wallet.address)
  })

  test('error: tampered field', async () => {
    const tampered = { ...delegation, nonce: `0x${'cd'.repeat(32)}` as Hex }
    const error = await verifyError(tampered, signature, { nonce: tampered.nonce })
    expect(error.code).toBe('DELEGATION_INVALID_SIGNATURE')
    const otherKey = await generateSessionKey('P-256')
    const swapped = { ...delegation, sessionKey: otherKey.publicKeyHex }
    expect((await verifyError(swapped, signature)).code).toBe('DELEGATION_INVALID_SIGNATURE')
  })

  test('error: signed by another wallet', async () => {
    const forged = await otherWallet.signTypedData(getDelegationTypedData(delegation))
    const error = await verifyError(delegation, forged)
    expect(error).toMatchInlineSnapshot(`
      [SignatureError: The delegation was not signed by its wallet.

      Code: DELEGATION_INVALID_SIGNATURE]
    `)
    expect(error.details).toEqual({ wallet: wallet.address, signer: otherWallet.address })
  })

  test('error: garbage signature', async () => {
    for (const bad of ['0x', `0x${'00'.repeat(65)}`, `0x${'ff'.repeat(12)}`] as Hex[]) {
      expect((await verifyError(delegation, bad)).code).toBe('DELEGATION_INVALID_SIGNATURE')
    }
  })

  test('error: expired', async () => {
    const error = await verifyError(delegation, signature, { now: delegation.expiresAt + 61 })
    expect(error).toMatchObject({ code: 'DELEGATION_EXPIRED', httpStatus: 401 })
  })

  test('error: not yet valid', async () => {
    const error = await verifyError(delegation, signature, { now: delegation.issuedAt - 61 })
    expect(error.code).toBe('DELEGATION_NOT_YET_VALID')
  })

  test('behavior: tolerates clock skew up to 60 s', async () => {
    const early = { ...expected, now: delegation.issuedAt - 59 }
    await expect(verifyDelegation({ delegation, signature, expected: early })).resolves.toBe(
      wallet.address,
    )
  })

  test('error: wrong origin', async () => {
    const error = await verifyError(delegation, signature, { origin: 'https://evil.example' })
    expect(error).toMatchObject({ code: 'DELEGATION_WRONG_ORIGIN', httpStatus: 403 })
  })

  test('error: wrong chain', async () => {
    const error = await verifyError(delegation, signature, { chainId: 1 })
    expect(error).toMatchObject({
      code: 'DELEGATION_WRONG_CHAIN',
      details: { chainId, expectedChainId: 1 },
    })
  })

  test('error: signed for another chain id in the domain', async () => {
    // The wallet signed with a chain-1 domain but the message says 31337: recovery gives another
    // address, so it is rejected as an invalid signature.
    const typedData = getDelegationTypedData(delegation)
    const crossChain = await wallet.signTypedData({
      ...typedData,
      domain: createGridDomain({ chainId: 1 }),
    })
    expect((await verifyError(delegation, crossChain)).code).toBe('DELEGATION_INVALID_SIGNATURE')
  })

  test('error: nonce not the one issued', async () => {
    const error = await verifyError(delegation, signature, { nonce: `0x${'00'.repeat(32)}` })
    expect(error.code).toBe('DELEGATION_NONCE_MISMATCH')
  })

  test('error: lifetime too long', async () => {
    const long = { ...delegation, expiresAt: delegation.issuedAt + 8 * 86_400 }
    const longSignature = await wallet.signTypedData(getDelegationTypedData(long))
    expect((await verifyError(long, longSignature)).code).toBe('DELEGATION_LIFETIME_TOO_LONG')
    expect((await verifyError(delegation, signature, { maxLifetimeSeconds: 3600 })).code).toBe(
      'DELEGATION_LIFETIME_TOO_LONG',
    )
  })

  test('error: malformed', async () => {
    const backwards = { ...delegation, expiresAt: delegation.issuedAt }
    expect((await verifyError(backwards, signature)).code).toBe('DELEGATION_MALFORMED')
    const shortKey = { ...delegation, sessionKey: '0x04' as Hex }
    expect((await verifyError(shortKey, signature)).code).toBe('DELEGATION_MALFORMED')
  })
})

describe.each(['P-256', 'Ed25519'] as const)('result signatures (%s)', (keyType) => {
  let key: GenerateSessionKeyReturnType
  let claim: ResultClaim
  let signature: Hex

  beforeAll(async () => {
    key = await generateSessionKey(keyType)
    claim = resultClaimFromMessage(fixtureMessages.result, {
      modelId: `0x${'aa'.repeat(32)}`,
      sessionKey: key.publicKeyHex,
    })
    signature = await signResult(key.keyPair.privateKey, keyType, claim, domain)
  })

  describe('generateSessionKey', () => {
    test('default', () => {
      expect(key.keyPair.privateKey.extractable).toBe(false)
      expect(key.publicKeyBytes.length).toBe(keyType === 'P-256' ? 65 : 32)
      expect(hexToBytes(key.publicKeyHex)).toEqual(key.publicKeyBytes)
    })
  })

  describe('signResult', () => {
    test('default', () => {
      expect(hexToBytes(signature)).toHaveLength(64)
    })
  })

  describe('verifyResultSignature', () => {
    test('default', async () => {
      await expect(
        verifyResultSignature({
          publicKey: key.publicKeyHex,
          keyType,
          result: claim,
          signature,
          domain,
        }),
      ).resolves.toBe(true)
    })

    test('behavior: with a cached CryptoKey or raw bytes', async () => {
      const cached = await importSessionPublicKey(key.publicKeyBytes, keyType)
      for (const publicKey of [cached, key.publicKeyBytes, key.keyPair.publicKey]) {
        await expect(
          verifyResultSignature({ publicKey, keyType, result: claim, signature, domain }),
        ).resolves.toBe(true)
      }
    })

    test('behavior: rejects a tampered outputHash', async () => {
      const tampered = { ...claim, outputHash: `0x${'56'.repeat(32)}` as Hex }
      await expect(
        verifyResultSignature({
          publicKey: key.publicKeyHex,
          keyType,
          result: tampered,
          signature,
          domain,
        }),
      ).resolves.toBe(false)
    })

    test('behavior: rejects other timings, job, model or domain', async () => {
      const variants: [ResultClaim, typeof domain][] = [
        [{ ...claim, totalUs: claim.totalUs + 1 }, domain],
        [{ ...claim, jobId: 'job-other' }, domain],
        [{ ...claim, modelId: `0x${'bb'.repeat(32)}` }, domain],
        [claim, createGridDomain({ chainId: 1 })],
      ]
      for (const [result, d] of variants) {
        await expect(
          verifyResultSignature({
            publicKey: key.publicKeyHex,
            keyType,
            result,
            signature,
            domain: d,
          }),
        ).resolves.toBe(false)
      }
    })

    test('behavior: rejects a signature from another key', async () => {
      const other = await generateSessionKey(keyType)
      const forged = await signResult(other.keyPair.privateKey, keyType, claim, domain)
      await expect(
        verifyResultSignature({
          publicKey: key.publicKeyHex,
          keyType,
          result: claim,
          signature: forged,
          domain,
        }),
      ).resolves.toBe(false)
    })

    test('behavior: malformed signature is false', async () => {
      for (const bad of ['0x', `0x${'00'.repeat(64)}`, `0x${'00'.repeat(65)}`, 'nothex'] as Hex[]) {
        await expect(
          verifyResultSignature({
            publicKey: key.publicKeyHex,
            keyType,
            result: claim,
            signature: bad,
            domain,
          }),
        ).resolves.toBe(false)
      }
    })

    test('error: public key of the wrong shape', async () => {
      await expect(
        verifyResultSignature({ publicKey: '0x1234', keyType, result: claim, signature, domain }),
      ).rejects.toMatchObject({ name: 'SignatureError', code: 'SESSION_KEY_INVALID' })
    })
  })
})

describe('hashResult', () => {
  test('default', () => {
    const claim = resultClaimFromMessage(fixtureMessages.result, {
      modelId: `0x${'aa'.repeat(32)}`,
      sessionKey: `0x${'11'.repeat(32)}`,
    })
    expect(claim.inferenceUs).toBe(3500)
    expect(claim.totalUs).toBe(4000)
    expect(hashResult(claim, domain)).toMatch(/^0x[0-9a-f]{64}$/)
    expect(hashResult(claim, domain)).not.toBe(hashResult({ ...claim, inferenceUs: 3501 }, domain))
  })

  test("behavior: equals viem's generic hashTypedData on random claims and domains", () => {
    const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => bytesToHex(b))
    fc.assert(
      fc.property(
        fc.record({
          jobId: fc.string({ maxLength: 40 }),
          modelId: hex32,
          inputHash: hex32,
          outputHash: hex32,
          backend: fc.constantFrom('wasm', 'webgpu', 'webnn'),
          inferenceUs: fc.nat(),
          totalUs: fc.maxSafeNat(),
          sessionKey: fc.uint8Array({ maxLength: 65 }).map((b) => bytesToHex(b)),
        }),
        fc.integer({ min: 1, max: 2 ** 40 }),
        fc.option(
          fc.uint8Array({ minLength: 20, maxLength: 20 }).map((b) => bytesToHex(b)),
          {
            nil: undefined,
          },
        ),
        (claim, chainId, contract) => {
          const d = createGridDomain({ chainId, verifyingContract: contract })
          expect(hashResult(claim, d)).toBe(hashTypedDataSlow(claim, d))
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('importSessionPublicKey', () => {
  test('error: not a point on the curve', async () => {
    const notOnCurve = new Uint8Array(65).fill(1)
    notOnCurve[0] = 4
    await expect(importSessionPublicKey(notOnCurve, 'P-256')).rejects.toMatchObject({
      code: 'SESSION_KEY_INVALID',
    })
  })

  test('error: wrong length for the key type', async () => {
    await expect(importSessionPublicKey(new Uint8Array(32), 'P-256')).rejects.toBeInstanceOf(
      SignatureError,
    )
  })
})
