import { type ConfigOptionSpec, configOptions } from './configOptions.ts'

export type FormatHelpParameters = { version: string }

/** Terminals are at least 80 columns; 100 matches the code's own line width. */
const lineWidth = 100

/** The `--help` text, generated from the option table so that it lists every option. */
export function formatHelp({ version }: FormatHelpParameters): string {
  const specs: ConfigOptionSpec[] = Object.values(configOptions)
  const heads = specs.map((spec) =>
    [
      spec.short ? `-${spec.short}, ` : '    ',
      `--${spec.flag}`,
      spec.value ? ` ${spec.value}` : '',
    ].join(''),
  )
  const width = Math.max(...heads.map((head) => head.length)) + 2
  const lines = specs.flatMap((spec, i) => {
    const facts = [
      spec.env ? `env ${spec.env}` : undefined,
      spec.default ? `default ${spec.default}` : undefined,
    ].filter((fact) => fact !== undefined)
    const [first = '', ...rest] = wrap(spec.description, lineWidth - 2 - width)
    return [
      `  ${(heads[i] ?? '').padEnd(width)}${first}`,
      ...[...rest, ...(facts.length ? [facts.join(', ')] : [])].map(
        (line) => `  ${''.padEnd(width)}${line}`,
      ),
    ]
  })
  return [
    `Inference Grid gateway ${version}`,
    '',
    'Serves the web app, the HTTP API and /metrics, and keeps the ledger in SQLite.',
    '',
    'Usage: npm start -- [options]',
    '       npx tsx src/gateway/main.ts [options]',
    '',
    'Options (a flag wins over its environment variable; an empty variable counts as unset):',
    ...lines,
    '',
    'Exit status: 0 after a clean shutdown (SIGINT, SIGTERM), 1 on a runtime failure, 2 on bad options.',
    '',
  ].join('\n')
}

function wrap(text: string, width: number): string[] {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, line]
}
