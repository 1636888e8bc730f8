/**
 * The operator's API-key CLI: `npx tsx src/gateway/cli/apiKeysCli.ts create|list|revoke ...`.
 * See runApiKeysCli for the commands; `--help` prints them.
 */
import { runApiKeysCli } from './runApiKeysCli.ts'

process.exitCode = await runApiKeysCli({ args: process.argv.slice(2) })
