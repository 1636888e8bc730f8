import { createHash, timingSafeEqual } from 'node:crypto'
import { OperatorAuthError } from '../../errors/operator.ts'

/**
 * Throws unless `authorization` is `Bearer <the operator token>`. Both sides are hashed first, so
 * the comparison takes the same time whatever the lengths and wherever they differ.
 */
export function checkOperatorToken(
  authorization: string | undefined,
  operatorToken: string | undefined,
): void {
  if (!operatorToken) throw OperatorAuthError.disabled()
  const given = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1] ?? ''
  const a = createHash('sha256').update(given).digest()
  const b = createHash('sha256').update(operatorToken).digest()
  if (!timingSafeEqual(a, b) || given === '') throw OperatorAuthError.unauthorized()
}
