import { createSiweMessage } from 'viem/siwe'
import { BaseError } from '../../protocol/errors/BaseError.ts'
import type { DashboardApi, SignedInSession } from './createDashboardApi.ts'
import { DashboardError } from './DashboardError.ts'

export type SignInWithEthereumParameters = {
  api: Pick<DashboardApi, 'chainId' | 'nonce' | 'verify'>
  address: `0x${string}`
  /** Asks the wallet for a personal_sign of the message (wagmi's signMessage). */
  signMessage: (message: string) => Promise<string>
  /** The page's location: the message names this site (domain and URI). */
  location?: { host: string; origin: string }
  signal?: AbortSignal
}

/**
 * Sign-In with Ethereum (EIP-4361): a nonce from the gateway, a message naming this site, the
 * gateway's chain and the nonce, one wallet signature (no transaction, no gas), then
 * POST /v1/auth/verify, which sets the HttpOnly session cookie. A declined signature or a refused
 * message is a DashboardError DASHBOARD_SIGN_IN_FAILED saying what to do.
 */
export async function signInWithEthereum(
  parameters: SignInWithEthereumParameters,
): Promise<SignedInSession> {
  const { api, address, signal } = parameters
  const location = parameters.location ?? globalThis.location
  const [chainId, nonce] = await Promise.all([api.chainId({ signal }), api.nonce({ signal })])
  const message = createSiweMessage({
    address,
    chainId,
    domain: location.host,
    uri: location.origin,
    version: '1',
    nonce,
    issuedAt: new Date(),
    statement: 'Sign in to the Inference Grid dashboard to see your earnings. No transaction.',
  })
  let signature: string
  try {
    signature = await parameters.signMessage(message)
  } catch (cause) {
    const rejected =
      (cause as { name?: string }).name === 'UserRejectedRequestError' ||
      (cause as { code?: number }).code === 4001
    throw new DashboardError(
      rejected
        ? 'The wallet declined to sign the sign-in message. Press Sign in again to retry.'
        : `The wallet could not sign: ${String((cause as Error).message ?? cause).split('\n')[0]}`,
      { code: 'DASHBOARD_SIGN_IN_FAILED', cause },
    )
  }
  try {
    return await api.verify({ message, signature }, { signal })
  } catch (cause) {
    if (cause instanceof BaseError && cause.code.startsWith('AUTH_'))
      throw new DashboardError(`The gateway refused the sign-in: ${cause.shortMessage}`, {
        code: 'DASHBOARD_SIGN_IN_FAILED',
        cause,
      })
    throw cause
  }
}
