/**
 * `npm run schema`: writes schemas/output.schema.json from the zod schema (a test checks that the
 * committed file is what this writes).
 */
import { writeFileSync } from 'node:fs';
import { outputJsonSchema } from './schema.ts';

const path = new URL('../../schemas/output.schema.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(outputJsonSchema(), null, 2)}\n`);
process.stdout.write(`Wrote ${path.pathname}\n`);
