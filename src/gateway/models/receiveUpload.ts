import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import type { Hex } from 'viem'
import { ModelError } from '../../protocol/errors/ModelError.ts'

export type ReceiveUploadParameters = {
  body: AsyncIterable<Uint8Array>
  /** Created exclusively (fails if it exists); the caller removes it in every case. */
  file: string
  maxBytes: number
  signal?: AbortSignal | undefined
}

export type ReceiveUploadReturnType = { sha256: Hex; size: number }

/**
 * Streams an upload to a file while hashing it, never holding it whole in memory; stops with
 * MODEL_TOO_LARGE as soon as it passes `maxBytes`. `pipeline` owns the streams, so a failure
 * midway (too large, aborted, disk full) tears them down without a stray 'error' event.
 */
export async function receiveUpload({
  body,
  file,
  maxBytes,
  signal,
}: ReceiveUploadParameters): Promise<ReceiveUploadReturnType> {
  const hash = createHash('sha256')
  let size = 0
  await pipeline(
    body,
    async function* (source: AsyncIterable<Uint8Array>) {
      for await (const chunk of source) {
        size += chunk.byteLength
        if (size > maxBytes)
          throw new ModelError(
            `The model is larger than this gateway accepts (${maxBytes} bytes).`,
            {
              code: 'MODEL_TOO_LARGE',
              details: { maxBytes },
            },
          )
        hash.update(chunk)
        yield chunk
      }
    },
    createWriteStream(file, { flags: 'wx' }),
    { signal },
  )
  if (size === 0)
    throw new ModelError('The upload is empty: send the ONNX file as the request body.', {
      code: 'MODEL_INVALID_ONNX',
    })
  return { sha256: `0x${hash.digest('hex')}`, size }
}
