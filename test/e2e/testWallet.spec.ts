import { type Hex, recoverTypedDataAddress } from 'viem'
import { expect, test } from './fixtures.ts'

// What a dapp does: discover wallets over EIP-6963, connect, then sign typed data.
async function discoverAndSign(page: import('@playwright/test').Page, typedData: unknown) {
  return page.evaluate(async (typed) => {
    type Provider = { request(args: { method: string; params?: unknown[] }): Promise<unknown> }
    const found: { info: { rdns: string; name: string }; provider: Provider }[] = []
    window.addEventListener('eip6963:announceProvider', (event) => {
      found.push((event as CustomEvent).detail)
    })
    window.dispatchEvent(new Event('eip6963:requestProvider'))
    const wallet = found.find((f) => f.info.rdns === 'dev.inference-grid.testwallet')
    if (!wallet) throw new Error('test wallet not announced')
    const [address] = (await wallet.provider.request({ method: 'eth_requestAccounts' })) as string[]
    const chainId = await wallet.provider.request({ method: 'eth_chainId' })
    try {
      const signature = await wallet.provider.request({
        method: 'eth_signTypedData_v4',
        params: [address, JSON.stringify(typed)],
      })
      return { address, chainId, signature: signature as string, error: null }
    } catch (error) {
      const e = error as { code?: number; message: string }
      return { address, chainId, signature: null, error: { code: e.code, message: e.message } }
    }
  }, typedData)
}

const typedData = {
  domain: { name: 'Inference Grid', version: '1', chainId: 31337 },
  types: {
    EIP712Domain: [
      { name: 'name', type: 'string' },
      { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' },
    ],
    Greeting: [
      { name: 'text', type: 'string' },
      { name: 'at', type: 'uint64' },
    ],
  },
  primaryType: 'Greeting',
  message: { text: 'hello grid', at: '1764000000' },
} as const

test.describe('EIP-6963 test wallet', () => {
  test('default: announced, connects, signs typed data that verifies in Node', async ({
    page,
    wallet,
  }) => {
    await page.goto('/')
    const out = await discoverAndSign(page, typedData)
    expect(out.error).toBeNull()
    expect(out.address).toBe(wallet.address)
    expect(out.chainId).toBe('0x7a69')
    const { EIP712Domain: _, ...types } = typedData.types
    const signer = await recoverTypedDataAddress({
      domain: typedData.domain,
      types,
      primaryType: 'Greeting',
      message: { text: 'hello grid', at: 1764000000n },
      signature: out.signature as Hex,
    })
    expect(signer).toBe(wallet.address)
    expect(wallet.prompts).toEqual({ connect: 1, signatures: 1, transactions: 0 })
  })

  test('error: a rejected signature reaches the page as EIP-1193 error 4001', async ({
    page,
    wallet,
  }) => {
    wallet.setRejectMethods(['eth_signTypedData_v4'])
    await page.goto('/')
    const out = await discoverAndSign(page, typedData)
    expect(out.signature).toBeNull()
    expect(out.error).toEqual({ code: 4001, message: 'User rejected the request.' })
    expect(wallet.prompts.signatures).toBe(1)
  })
})
