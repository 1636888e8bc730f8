import { type Address, getAddress } from 'viem'
import { WidgetError } from '../../protocol/errors/WidgetError.ts'

/** The largest model download cap the /embed page accepts from the widget's URL, MB. */
export const EMBED_MAX_DOWNLOAD_MB = 1024
/** The cap when the URL names none (the widget always names one), MB. */
export const EMBED_DEFAULT_DOWNLOAD_MB = 64

export type EmbedParameters = {
  partner: Address
  /** The partner page's origin: the only origin whose messages count and that ours go to. */
  parentOrigin: string
  maxDownloadBytes: number
  theme: string
}

export type ReadEmbedParametersParameters = {
  /** location.search of the /embed page. */
  search: string
  /** Whether the page is in a frame (window.parent !== window). */
  framed: boolean
  /** location.ancestorOrigins where the browser has it (Chromium, Safari): the real parent. */
  ancestorOrigins: readonly string[] | undefined
}

/**
 * Reads the /embed page's URL as the widget wrote it: the partner address (EIP-55), the parent
 * page's origin and the download cap. The page must be framed, and where the browser says who the
 * parent is (ancestorOrigins), it must be the origin the URL names: a page cannot claim another
 * site's origin to receive our status messages. Throws a WidgetError saying what is wrong.
 */
export function readEmbedParameters(parameters: ReadEmbedParametersParameters): EmbedParameters {
  const query = new URLSearchParams(parameters.search)
  const partnerValue = query.get('partner') ?? ''
  let partner: Address | undefined
  try {
    const checksummed = getAddress(partnerValue)
    if (
      checksummed === partnerValue &&
      partnerValue.slice(2) !== partnerValue.slice(2).toLowerCase()
    )
      partner = checksummed
  } catch {}
  if (!partner)
    throw new WidgetError(
      `The partner address ${JSON.stringify(partnerValue)} is not a checksummed (EIP-55) address, so nothing runs: fix data-partner in the widget snippet.`,
      { code: 'WIDGET_INVALID_PARTNER', details: { partner: partnerValue } },
    )
  const originValue = query.get('origin') ?? ''
  let parentOrigin: string | undefined
  try {
    const url = new URL(originValue)
    if (url.origin === originValue && url.origin !== 'null') parentOrigin = url.origin
  } catch {}
  if (!parameters.framed || !parentOrigin)
    throw new WidgetError(
      'This page runs inside the Inference Grid widget on a partner site; open the grid’s home page to contribute directly.',
      { code: 'WIDGET_NOT_EMBEDDED', details: { origin: originValue } },
    )
  const actual = parameters.ancestorOrigins?.[0]
  if (actual !== undefined && actual !== parentOrigin)
    throw new WidgetError(
      `The page that framed this one is ${actual}, not ${parentOrigin} as its URL says; nothing runs.`,
      { code: 'WIDGET_NOT_EMBEDDED', details: { origin: parentOrigin, actual } },
    )
  const capValue = query.get('cap')
  const capMb = capValue === null ? EMBED_DEFAULT_DOWNLOAD_MB : Number(capValue)
  if (!Number.isInteger(capMb) || capMb < 1 || capMb > EMBED_MAX_DOWNLOAD_MB)
    throw new WidgetError(
      `The download cap ${JSON.stringify(capValue)} MB is not a whole number from 1 to ${EMBED_MAX_DOWNLOAD_MB}.`,
      { code: 'WIDGET_INVALID_OPTION', details: { option: 'cap', value: String(capValue) } },
    )
  const theme = query.get('theme') ?? 'auto'
  return {
    partner,
    parentOrigin,
    maxDownloadBytes: capMb * 1024 * 1024,
    theme: ['light', 'dark'].includes(theme) ? theme : 'auto',
  }
}
