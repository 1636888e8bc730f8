/**
 * A cookie the gateway sets beside the HttpOnly session cookie, readable by the page and holding
 * no secret (`1`): it tells the dashboard a session may exist, so a signed-out visit asks nothing
 * (and logs no 401). The session cookie alone decides who is signed in.
 */
export const signedInCookie = 'ig_signed_in'

/** Whether a `document.cookie` string carries the signed-in hint. */
export function hasSignedInHint(cookies: string): boolean {
  return cookies.split(';').some((part) => part.trim() === `${signedInCookie}=1`)
}
