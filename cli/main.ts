/**
 * `vault-migrator`: `npx tsx cli/main.ts <command> ...` (the package's bin runs this file).
 */
import { main } from './entry.ts';

await main(process.argv.slice(2));
