import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { BaseError } from '../../protocol/errors/BaseError.ts'
import type { TensorMap } from '../../protocol/tensor/Tensor.ts'
import { tensorToTypedArray } from '../../protocol/tensor/tensorToTypedArray.ts'
import { bytesToBase64 } from '../../protocol/utils/bytesToBase64.ts'
import { createGridClient, type GridClient } from '../createGridClient.ts'
import type { GridJob } from '../GridJob.ts'
import { runOcr } from '../ocr/runOcr.ts'
import { parseTensorJson } from '../parseTensorJson.ts'
import { jobError } from '../readJobOutputs.ts'
import { readPng } from './readPng.node.ts'

export type RunGridCliParameters = {
  args: readonly string[]
  env?: Readonly<Record<string, string | undefined>> | undefined
  stdout?: ((text: string) => void) | undefined
  stderr?: ((text: string) => void) | undefined
  /** Where relative file names are read from. */
  cwd?: string | undefined
  fetch?: typeof fetch | undefined
  signal?: AbortSignal | undefined
}

/** 0: done; 1: the gateway or the job failed (or it was unreachable); 2: bad usage or input. */
export type RunGridCliReturnType = 0 | 1 | 2

export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8700'

export const gridCliUsage = `Usage: npm run grid -- <command> [options]

Commands:
  models                          List the gateway's models (id, name, task, size).
  submit --model <name|id> --input <name>=<file.json> ... [--wait]
                                  Queue a job; print its id (with --wait, its outputs).
  wait <job-id>                   Wait until the job settles; print its status and outputs.
  cancel <job-id>                 Cancel a queued or running job.
  ocr <image.png>                 Read the text in a PNG image (PP-OCRv4 det + rec on the grid);
                                  prints one recognized line per line, top to bottom.

Options:
  --url <url>          Gateway URL (env INFERENCE_GRID_URL, default ${DEFAULT_GATEWAY_URL}).
  --api-key <key>      Requester API key (env INFERENCE_GRID_API_KEY); models needs none.
  --json               Print JSON (jobs as the HTTP API's JSON form: tensor data in base64).
  --timeout <seconds>  Stop waiting after this long (wait, submit --wait, ocr); the job stays.
  -h, --help           Print this help.

  submit:
  --model <name|id>        Model name (e.g. silero-vad-v5) or id (0x + sha256).
  --input <name>=<file>    One input tensor from a JSON file {"dtype","dims","data"}: data is
                           base64 of the raw little-endian bytes, or an array of numbers.
  --inputs <file>          All inputs from one JSON file {"<name>": {"dtype","dims","data"}}.
  --output <name>          An output to return (repeatable; default all).
  --priority <n>           -1000 to 1000 (default 0).   --redundancy <k>  Results from k workers.
  --wait                   Wait for the job and print its outputs.

  ocr:
  --det-model, --rec-model <name|id>   Default ppocr-v4-det and ppocr-v4-rec.
  --max-side <px>          Longest side of the det input (default 960).
  --min-confidence <p>     Drop lines read with less confidence (default 0.5).

Exit status: 0 done, 1 the gateway or the job failed, 2 bad usage or input.
`

class UsageError extends Error {}

const options = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  model: { type: 'string' },
  input: { type: 'string', multiple: true },
  inputs: { type: 'string' },
  output: { type: 'string', multiple: true },
  priority: { type: 'string' },
  redundancy: { type: 'string' },
  wait: { type: 'boolean' },
  'det-model': { type: 'string' },
  'rec-model': { type: 'string' },
  'max-side': { type: 'string' },
  'min-confidence': { type: 'string' },
} as const

type Values = ReturnType<
  typeof parseArgs<{ options: typeof options; allowPositionals: true }>
>['values']

/** The requester CLI over the SDK; all I/O is injected, so tests run it in-process. */
export async function runGridCli(parameters: RunGridCliParameters): Promise<RunGridCliReturnType> {
  const env = parameters.env ?? process.env
  const stdout = parameters.stdout ?? ((text: string) => void process.stdout.write(text))
  const stderr = parameters.stderr ?? ((text: string) => void process.stderr.write(text))
  const cwd = parameters.cwd ?? process.cwd()
  const { signal } = parameters
  // Local mistakes (flags, files, images) exit 2; once the gateway is involved, failures exit 1.
  let local = true
  try {
    const { values, positionals } = parse(parameters.args)
    if (values.help) {
      stdout(gridCliUsage)
      return 0
    }
    const [command, ...rest] = positionals
    const expectArguments = (count: number, what: string) => {
      if (rest.length !== count)
        throw new UsageError(`${command} takes ${what} (grid --help shows the commands).`)
    }
    const client = createGridClient({
      baseUrl: values.url ?? nonEmpty(env.INFERENCE_GRID_URL) ?? DEFAULT_GATEWAY_URL,
      apiKey: values['api-key'] ?? nonEmpty(env.INFERENCE_GRID_API_KEY),
      fetch: parameters.fetch,
    })
    const timeoutMs = seconds(values.timeout, '--timeout')
    const print = (value: unknown, text: string) =>
      stdout(values.json ? `${JSON.stringify(value, jsonReplacer, 2)}\n` : text)

    switch (command) {
      case 'models': {
        expectArguments(0, 'no arguments')
        local = false
        const models = await client.models({ signal })
        print(
          { models },
          models.map((m) => `${m.id}  ${m.name}  ${m.task}  ${m.size} bytes\n`).join(''),
        )
        return 0
      }
      case 'submit': {
        expectArguments(0, 'options only: --model and --input')
        if (!values.model) throw new UsageError('submit needs --model <name|id>.')
        const inputs = await readInputs(values, cwd)
        const job = {
          model: values.model,
          inputs,
          outputs: values.output,
          priority: integer(values.priority, '--priority'),
          redundancy: integer(values.redundancy, '--redundancy'),
        }
        local = false
        const submitted = await client.submit(job, { signal })
        if (!values.wait) {
          print(jobJson(submitted), `${submitted.id} ${submitted.status}\n`)
          return 0
        }
        return report(await client.wait(submitted.id, { signal, timeoutMs }), print)
      }
      case 'wait': {
        expectArguments(1, 'one job id')
        local = false
        return report(await client.wait(rest[0] ?? '', { signal, timeoutMs }), print)
      }
      case 'cancel': {
        expectArguments(1, 'one job id')
        local = false
        const job = await client.cancel(rest[0] ?? '', { signal })
        print(jobJson(job), `${job.id} ${job.status}\n`)
        return 0
      }
      case 'ocr': {
        expectArguments(1, 'one PNG file')
        const file = rest[0] ?? ''
        const image = readPng(await readLocalFile(cwd, file), file)
        local = false
        return await ocr(client, image, values, { signal, timeoutMs }, print)
      }
      default:
        throw new UsageError(
          command === undefined
            ? 'Name a command: models, submit, wait, cancel or ocr (grid --help).'
            : `Unknown command ${JSON.stringify(command)}: use models, submit, wait, cancel or ocr.`,
        )
    }
  } catch (error) {
    if (error instanceof UsageError) {
      stderr(`grid: ${error.message}\n`)
      return 2
    }
    if (error instanceof BaseError) {
      const usage = local || error.code === 'SDK_INVALID_ARGUMENT'
      stderr(
        usage ? `grid: ${error.shortMessage}\n` : `grid: ${error.code}: ${error.shortMessage}\n`,
      )
      return usage ? 2 : 1
    }
    stderr(`grid: ${error instanceof Error ? error.message : String(error)}\n`)
    return local ? 2 : 1
  }
}

async function ocr(
  client: GridClient,
  image: ReturnType<typeof readPng>,
  values: Values,
  { signal, timeoutMs }: { signal?: AbortSignal | undefined; timeoutMs?: number | undefined },
  print: (value: unknown, text: string) => void,
): Promise<0> {
  const result = await runOcr(client, image, {
    signal,
    timeoutMs,
    detModel: values['det-model'],
    recModel: values['rec-model'],
    maxSide: integer(values['max-side'], '--max-side'),
    minConfidence: fraction(values['min-confidence'], '--min-confidence'),
  })
  print(result, result.lines.map((line) => `${line.text}\n`).join(''))
  return 0
}

function report(job: GridJob, print: (value: unknown, text: string) => void): 0 {
  if (job.status !== 'completed') throw jobError(job)
  const [result] = job.results
  const lines = [
    `${job.id} ${job.status} (${job.results.length} result${job.results.length === 1 ? '' : 's'}${result ? `, backend ${result.backend}, ${result.inferenceMs} ms inference` : ''})`,
  ]
  for (const [name, tensor] of Object.entries(result?.outputs ?? {}))
    lines.push(`  ${name} ${tensor.dtype} [${tensor.dims.join(', ')}]: ${preview(tensor)}`)
  print(jobJson(job), `${lines.join('\n')}\n`)
  return 0
}

/** The first values of a tensor, for people. */
function preview(tensor: TensorMap[string]): string {
  const values = Array.from(tensorToTypedArray(tensor) as ArrayLike<number | bigint>)
  const shown = values.slice(0, 8).map((v) => (typeof v === 'number' ? round(v) : String(v)))
  return `${shown.join(' ')}${values.length > 8 ? ` ... (${values.length} values)` : ''}`
}

function round(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toPrecision(6)
}

/** A job as the HTTP API's JSON form writes it: tensor data in base64. */
function jobJson(job: GridJob): unknown {
  return {
    ...job,
    results: job.results.map((result) => ({
      ...result,
      outputs: Object.fromEntries(
        Object.entries(result.outputs).map(([name, t]) => [
          name,
          { dtype: t.dtype, dims: t.dims, data: bytesToBase64(t.data) },
        ]),
      ),
    })),
  }
}

function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value
}

async function readInputs(values: Values, cwd: string): Promise<TensorMap> {
  const inputs: TensorMap = {}
  const add = (name: string, value: unknown, where: string) => {
    if (Object.hasOwn(inputs, name)) throw new UsageError(`The input ${name} is given twice.`)
    Object.defineProperty(inputs, name, {
      value: parseTensorJson(value, where),
      enumerable: true,
      writable: true,
    })
  }
  if (values.inputs) {
    const map = await readJson(cwd, values.inputs)
    if (typeof map !== 'object' || map === null || Array.isArray(map))
      throw new UsageError(`${values.inputs} must hold a JSON object of named tensors.`)
    for (const [name, value] of Object.entries(map)) add(name, value, `${values.inputs}: ${name}`)
  }
  for (const spec of values.input ?? []) {
    const at = spec.indexOf('=')
    if (at < 1 || at === spec.length - 1)
      throw new UsageError(`--input takes <name>=<file.json>, not ${JSON.stringify(spec)}.`)
    const file = spec.slice(at + 1)
    add(spec.slice(0, at), await readJson(cwd, file), file)
  }
  if (Object.keys(inputs).length === 0)
    throw new UsageError('submit needs at least one --input <name>=<file.json> (or --inputs).')
  return inputs
}

async function readJson(cwd: string, file: string): Promise<unknown> {
  const text = new TextDecoder().decode(await readLocalFile(cwd, file))
  try {
    return JSON.parse(text)
  } catch {
    throw new UsageError(`${file} is not valid JSON.`)
  }
}

async function readLocalFile(cwd: string, file: string): Promise<Uint8Array> {
  try {
    return await readFile(path.resolve(cwd, file))
  } catch (error) {
    const code = (error as { code?: unknown }).code
    throw new UsageError(
      code === 'ENOENT' ? `There is no file ${file}.` : `Cannot read ${file} (${String(code)}).`,
    )
  }
}

function parse(args: readonly string[]) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true })
  } catch (error) {
    // parseArgs says what is wrong in one sentence ("Unknown option '--x'").
    throw new UsageError(
      `${(error as Error).message.replace(/\.?$/, '.')} (grid --help lists the options)`,
    )
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

function integer(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined
  if (!/^-?\d{1,9}$/.test(raw)) throw new UsageError(`${flag} must be a whole number, not ${raw}.`)
  return Number(raw)
}

function seconds(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined
  const value = /^\d{1,7}(\.\d{1,3})?$/.test(raw) ? Number(raw) : Number.NaN
  if (!(value > 0)) throw new UsageError(`${flag} must be a number of seconds above 0, not ${raw}.`)
  return value * 1000
}

function fraction(raw: string | undefined, flag: string): number | undefined {
  if (raw === undefined) return undefined
  const value = /^(0(\.\d+)?|1(\.0+)?)$/.test(raw) ? Number(raw) : Number.NaN
  if (Number.isNaN(value)) throw new UsageError(`${flag} must be a number from 0 to 1, not ${raw}.`)
  return value
}
