/** True for the error a storage API throws when the origin's quota is used up. */
export function isQuotaExceededError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'name' in error &&
    (error.name === 'QuotaExceededError' ||
      // Older Firefox.
      error.name === 'NS_ERROR_DOM_QUOTA_REACHED')
  )
}
