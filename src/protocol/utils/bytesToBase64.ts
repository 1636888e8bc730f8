const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Standard base64 (RFC 4648 section 4, with padding) of the bytes. Written out rather than using
 * Buffer (Node only) or btoa (needs a binary string, which costs a copy per byte): it runs the
 * same in browsers, Web Workers and Node.
 */
export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = []
  let chunk = ''
  const whole = bytes.length - (bytes.length % 3)
  for (let i = 0; i < whole; i += 3) {
    const n = ((bytes[i] ?? 0) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    chunk +=
      alphabet.charAt(n >>> 18) +
      alphabet.charAt((n >>> 12) & 63) +
      alphabet.charAt((n >>> 6) & 63) +
      alphabet.charAt(n & 63)
    // Joining chunks keeps string building linear on engines that flatten ropes late.
    if (chunk.length >= 8192) {
      parts.push(chunk)
      chunk = ''
    }
  }
  const rest = bytes.length - whole
  if (rest === 1) {
    const n = (bytes[whole] ?? 0) << 16
    chunk += `${alphabet.charAt(n >>> 18)}${alphabet.charAt((n >>> 12) & 63)}==`
  } else if (rest === 2) {
    const n = ((bytes[whole] ?? 0) << 16) | ((bytes[whole + 1] ?? 0) << 8)
    chunk += `${alphabet.charAt(n >>> 18)}${alphabet.charAt((n >>> 12) & 63)}${alphabet.charAt((n >>> 6) & 63)}=`
  }
  parts.push(chunk)
  return parts.join('')
}
