/**
 * The operator's model CLI: `npx tsx src/gateway/cli/modelsCli.ts list|add ...` (or
 * `npm run models -- ...`). See runModelsCli for the commands; `--help` prints them.
 */
import { runModelsCli } from './runModelsCli.ts'

process.exitCode = await runModelsCli({ args: process.argv.slice(2) })
