import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'

export type PostFileParameters = {
  url: URL
  file: string
  headers: Record<string, string>
  signal?: AbortSignal | undefined
}

/**
 * POSTs a file streamed from disk and resolves with the gateway's answer, even when that answer
 * comes before the upload ends: the gateway refuses a bad token or an oversized model before
 * reading the body and closes the connection, so the client's next write fails (EPIPE,
 * ECONNRESET). `fetch` rejects then and loses the answer; node:http delivers the response it
 * already parsed, so the person sees OPERATOR_UNAUTHORIZED instead of "cannot reach".
 */
export async function postFile({
  url,
  file,
  headers,
  signal,
}: PostFileParameters): Promise<Response> {
  const { size } = await stat(file)
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest
  return new Promise<Response>((resolve, reject) => {
    let failure: Error | undefined
    let answered = false
    const req = request(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(size) },
      signal,
    })
    req.once('response', (res) => {
      answered = true
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.once('end', () =>
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 })),
      )
      res.once('error', reject)
    })
    // A write error may come before the response that explains it: wait for the close.
    req.on('error', (error) => {
      failure ??= error
    })
    req.once('close', () => {
      if (!answered) reject(failure ?? new Error('The connection closed without an answer.'))
    })
    const body = createReadStream(file)
    body.once('error', (error) => req.destroy(error))
    body.pipe(req)
  })
}
