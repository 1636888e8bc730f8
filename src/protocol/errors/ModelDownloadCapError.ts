import { ModelError } from './ModelError.ts'

export type ModelDownloadCapErrorType = ModelDownloadCapError & { name: 'ModelDownloadCapError' }

/**
 * Fetching a model would take the contributor past the download cap they set. Refused before any
 * byte is fetched; `details` carries the model size, what is used and the cap, so the UI can offer
 * to raise the cap or clear cached models.
 */
export class ModelDownloadCapError extends ModelError<'MODEL_DOWNLOAD_CAP_EXCEEDED'> {
  override name = 'ModelDownloadCapError' as const
}
