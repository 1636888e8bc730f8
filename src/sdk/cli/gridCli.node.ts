/**
 * The requester CLI: `npm run grid -- <command>` (models, submit, wait, cancel, ocr). See
 * runGridCli for the commands; `--help` prints them.
 */
import { runGridCli } from './runGridCli.node.ts'

process.exitCode = await runGridCli({ args: process.argv.slice(2) })
