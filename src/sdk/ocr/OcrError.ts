import { BaseError } from '../../protocol/errors/BaseError.ts'
import type { ErrorCodeOf } from '../../protocol/errors/codes.ts'

export type OcrErrorCode = ErrorCodeOf<'OcrError'>

export type OcrErrorType = OcrError & { name: 'OcrError' }

/**
 * The OCR pipeline cannot work on what it was given: an image it cannot read, or models whose
 * inputs, outputs or dictionary are not the PP-OCR ones it was written for.
 */
export class OcrError extends BaseError<OcrErrorCode> {
  override name = 'OcrError' as const
}
