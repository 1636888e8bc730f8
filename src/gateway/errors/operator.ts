import { GatewayError } from './GatewayError.ts'

export type OperatorAuthErrorType = OperatorAuthError & { name: 'OperatorAuthError' }

/**
 * An operator route (adding a model) refused the request: either no operator token is configured,
 * so the route is off, or the request does not carry that token.
 */
export class OperatorAuthError extends GatewayError<
  'OPERATOR_API_DISABLED' | 'OPERATOR_UNAUTHORIZED'
> {
  override name = 'OperatorAuthError' as const

  static disabled(): OperatorAuthError {
    return new OperatorAuthError(
      'Adding models is disabled on this gateway: start it with --operator-token <token> (or set INFERENCE_GRID_OPERATOR_TOKEN) to enable operator routes.',
      { code: 'OPERATOR_API_DISABLED' },
    )
  }

  static unauthorized(): OperatorAuthError {
    return new OperatorAuthError(
      'This route needs the operator token: send it as "Authorization: Bearer <token>".',
      { code: 'OPERATOR_UNAUTHORIZED' },
    )
  }
}
