import { createPublicClient, http } from 'viem'
import type { VerifyContractSignature } from './verifyHello.ts'

export type CreateContractSignatureVerifierParameters = {
  /** The grid chain's JSON-RPC endpoint (--rpc-url); the delegation's domain names the chain. */
  rpcUrl: string
  /** Per RPC call. Default 10 s. */
  timeoutMs?: number | undefined
}

/**
 * ERC-1271/6492 checks through the chain's JSON-RPC: viem's verifyTypedData asks the wallet
 * contract (deployed, or counterfactual through the ERC-6492 universal validator) whether the
 * signature is valid. Called only for delegations an EOA did not sign, once per session.
 */
export function createContractSignatureVerifier(
  parameters: CreateContractSignatureVerifierParameters,
): VerifyContractSignature {
  const client = createPublicClient({
    transport: http(parameters.rpcUrl, { timeout: parameters.timeoutMs ?? 10_000, retryCount: 1 }),
  })
  return ({ address, typedData, signature }) =>
    client.verifyTypedData({ address, signature, ...typedData })
}
