import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import type { Hex } from 'viem'

export type HashFileReturnType = { sha256: Hex; size: number }

/** sha256 and byte length of a file, streamed (the event loop stays free between chunks). */
export async function hashFile(file: string): Promise<HashFileReturnType> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) {
    hash.update(chunk as Buffer)
    size += (chunk as Buffer).byteLength
  }
  return { sha256: `0x${hash.digest('hex')}`, size }
}
