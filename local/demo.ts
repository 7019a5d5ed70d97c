/**
 * `npm run demo`: the same as `vault-migrator demo` (cli/commands/demo.ts), kept so that the script
 * and any habit of running this file go on working. The demo migrates every flagged vault of a
 * realistic account (cli/demo/account.ts) on the embedded emulator by running MigrateAllVaults on the
 * local Step Functions engine, with live progress per vault, a summary table and an HTML report.
 * Extra arguments are passed on: `npm run demo -- --report-dir /tmp/demo`.
 */
import { main } from '../cli/entry.ts';

await main(['demo', ...process.argv.slice(2)]);
