import { WidgetError } from '../protocol/errors/WidgetError.ts'
import { toChecksumAddress } from './toChecksumAddress.ts'

/**
 * The partner address as the snippet gave it, if it is a checksummed (EIP-55) address. An
 * all-lower-case address is refused too: it carries no checksum, so a typo in it would credit a
 * stranger. The error names the value and what to do; the corrected form is deliberately not
 * offered (it would be the checksum of whatever typo the snippet holds).
 */
export function validatePartner(value: unknown): string {
  const given = typeof value === 'string' ? value.trim() : ''
  const fail = (problem: string) =>
    new WidgetError(
      `Inference Grid widget: the partner address ${JSON.stringify(value ?? null)} ${problem} Copy your address from your wallet into data-partner (mixed case, EIP-55); the widget stays off until then.`,
      {
        code: 'WIDGET_INVALID_PARTNER',
        details: { partner: typeof value === 'string' ? value : null },
      },
    )
  const checksummed = toChecksumAddress(given)
  if (!checksummed) throw fail('is not an Ethereum address (0x and 40 hex digits).')
  if (given === given.toLowerCase() || given.slice(2) === given.slice(2).toUpperCase())
    throw fail('has no checksum (it is all one case).')
  if (checksummed !== given) throw fail('fails its EIP-55 checksum: a character is wrong.')
  return given
}
