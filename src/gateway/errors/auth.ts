import { GatewayError } from './GatewayError.ts'

export type AuthErrorCode =
  | 'AUTH_NONCE_INVALID'
  | 'AUTH_MESSAGE_INVALID'
  | 'AUTH_SIGNATURE_INVALID'
  | 'AUTH_REQUIRED'
  | 'AUTH_FORBIDDEN'

export type AuthErrorType = AuthError & { name: 'AuthError' }

/** Sign-In with Ethereum failed, or a dashboard route needs (another) signed-in wallet. */
export class AuthError extends GatewayError<AuthErrorCode> {
  override name = 'AuthError' as const
}
