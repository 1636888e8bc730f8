import { stat } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { MODEL_NAME_PATTERN } from '../../protocol/models/modelLimits.ts'
import { postFile } from './postFile.ts'

export type RunModelsCliParameters = {
  /** Arguments after the script (`process.argv.slice(2)`). */
  args: readonly string[]
  env?: Readonly<Record<string, string | undefined>> | undefined
  stdout?: ((text: string) => void) | undefined
  stderr?: ((text: string) => void) | undefined
  cwd?: string | undefined
}

/** 0: done; 1: the gateway refused or could not be reached; 2: bad usage. */
export type RunModelsCliReturnType = 0 | 1 | 2

export const modelsCliUsage = `Usage:
  npm run models -- list [--gateway <url>] [--json]
  npm run models -- add <file.onnx> --name <slug> [--description <text>] [--gateway <url>] [--token <token>]

  list   Lists the models the gateway serves.
  add    Uploads an ONNX model (POST /v1/models); the gateway checks that onnxruntime loads and
         runs it and generates its manifest and known answer.

Options:
  --gateway <url>       The gateway (env INFERENCE_GRID_URL, default http://127.0.0.1:8700).
  --token <token>       The operator token (env INFERENCE_GRID_OPERATOR_TOKEN; prefer the variable).
  --name <slug>         The model's name: a-z, 0-9 and inner dashes (e.g. my-detector-v2).
  --description <text>  A sentence for people; optional.
  --json                Print JSON instead of a table.
  -h, --help            Print this help.

Exit status: 0 done, 1 the gateway refused or was unreachable, 2 bad usage.
`

class UsageError extends Error {}

/**
 * The operator's model CLI (`src/gateway/cli/modelsCli.ts` runs it): list the gateway's models,
 * or add one from a file. It talks HTTP to a running gateway, like any other client.
 */
export async function runModelsCli({
  args,
  env = process.env,
  stdout = (text) => process.stdout.write(text),
  stderr = (text) => process.stderr.write(text),
  cwd = process.cwd(),
}: RunModelsCliParameters): Promise<RunModelsCliReturnType> {
  try {
    const { values, positionals } = parseOptions(args)
    if (values.help) {
      stdout(modelsCliUsage)
      return 0
    }
    const [command, ...rest] = positionals
    const gateway = gatewayUrl(values.gateway ?? env.INFERENCE_GRID_URL ?? 'http://127.0.0.1:8700')
    if (command === 'list') {
      if (rest.length > 0) throw new UsageError(`list takes no arguments; got "${rest[0]}".`)
      return await list(gateway, values.json === true, stdout, stderr)
    }
    if (command === 'add') {
      const [file, ...extra] = rest
      if (!file) throw new UsageError('add needs the path of an .onnx file.')
      if (extra.length > 0) throw new UsageError(`add takes one file; got also "${extra[0]}".`)
      const name = values.name
      if (!name) throw new UsageError('add needs --name <slug>.')
      if (!MODEL_NAME_PATTERN.test(name))
        throw new UsageError(
          `--name must be a lowercase slug (a-z, 0-9, inner dashes, up to 64); got "${name}".`,
        )
      const token = values.token ?? env.INFERENCE_GRID_OPERATOR_TOKEN
      if (!token)
        throw new UsageError(
          'add needs the operator token: set INFERENCE_GRID_OPERATOR_TOKEN (or pass --token).',
        )
      const absolute = path.resolve(cwd, file)
      const found = await stat(absolute).catch(() => undefined)
      if (!found?.isFile()) throw new UsageError(`No such file: ${file}.`)
      return await add(
        gateway,
        { file: absolute, name, description: values.description, token },
        {
          stdout,
          stderr,
          json: values.json === true,
        },
      )
    }
    throw new UsageError(
      command ? `Unknown command "${command}": use list or add.` : 'Name a command: list or add.',
    )
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    stderr(`models: ${error.message}\n\n${modelsCliUsage}`)
    return 2
  }
}

type Values = {
  gateway?: string
  token?: string
  name?: string
  description?: string
  json?: boolean
  help?: boolean
}

function parseOptions(args: readonly string[]): { values: Values; positionals: string[] } {
  try {
    return parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        gateway: { type: 'string' },
        token: { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

function gatewayUrl(raw: string): URL {
  const url = URL.canParse(raw) ? new URL(raw) : undefined
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new UsageError(`--gateway must be an http:// or https:// URL; got "${raw}".`)
  return url
}

type Summary = { id: string; name: string; task: string; size: number; description: string }

async function list(
  gateway: URL,
  json: boolean,
  stdout: (text: string) => void,
  stderr: (text: string) => void,
): Promise<RunModelsCliReturnType> {
  const response = await request(gateway, '/v1/models', (url) => fetch(url), stderr)
  if (!response) return 1
  const body = (await response.json()) as { models: Summary[] }
  if (json) {
    stdout(`${JSON.stringify(body.models, null, 2)}\n`)
    return 0
  }
  const rows = [
    ['NAME', 'TASK', 'SIZE', 'ID'],
    ...body.models.map((m) => [m.name, m.task, formatBytes(m.size), m.id]),
  ]
  const widths = [0, 1, 2].map((c) => Math.max(...rows.map((row) => (row[c] ?? '').length)))
  for (const row of rows)
    stdout(`${row.map((cell, c) => (c < 3 ? cell.padEnd(widths[c] ?? 0) : cell)).join('  ')}\n`)
  return 0
}

async function add(
  gateway: URL,
  upload: { file: string; name: string; description: string | undefined; token: string },
  io: { stdout: (text: string) => void; stderr: (text: string) => void; json: boolean },
): Promise<RunModelsCliReturnType> {
  const query = new URLSearchParams({ name: upload.name })
  if (upload.description) query.set('description', upload.description)
  // Streamed from disk with its length known: a large model is never read whole into memory.
  const response = await request(
    gateway,
    `/v1/models?${query}`,
    (url) =>
      postFile({
        url,
        file: upload.file,
        headers: {
          authorization: `Bearer ${upload.token}`,
          'content-type': 'application/octet-stream',
        },
      }),
    io.stderr,
  )
  if (!response) return 1
  const body = (await response.json()) as { created: boolean; model: Summary }
  if (io.json) io.stdout(`${JSON.stringify(body, null, 2)}\n`)
  else if (body.created)
    io.stdout(`Added ${body.model.name} (${formatBytes(body.model.size)}): ${body.model.id}\n`)
  else io.stdout(`Already on the gateway as ${body.model.name} (same bytes): ${body.model.id}\n`)
  return 0
}

/** The response when it is a 2xx; otherwise prints why (the gateway's code and sentence). */
async function request(
  gateway: URL,
  pathAndQuery: string,
  send: (url: URL) => Promise<Response>,
  stderr: (text: string) => void,
): Promise<Response | undefined> {
  const url = new URL(pathAndQuery, gateway)
  let response: Response
  try {
    response = await send(url)
  } catch (error) {
    // fetch wraps the socket error in `cause`; node:http (uploads) throws it as it is.
    type SocketError = { code?: unknown; message?: unknown; cause?: SocketError }
    const direct = error as SocketError
    const cause = direct.cause ?? direct
    const reason = typeof cause?.code === 'string' ? cause.code : String(cause?.message ?? error)
    stderr(
      `models: cannot reach the gateway at ${gateway.origin} (${reason}). Is it running (npm start)? Set --gateway or INFERENCE_GRID_URL.\n`,
    )
    return undefined
  }
  if (response.ok) return response
  const body = (await response.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string } }
    | undefined
  const code = body?.error?.code ?? `HTTP ${response.status}`
  stderr(`models: the gateway refused (${code}): ${body?.error?.message ?? response.statusText}\n`)
  return undefined
}

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`
  return `${(size / 1024 / 1024).toFixed(1)} MiB`
}
