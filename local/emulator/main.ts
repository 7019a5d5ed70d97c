import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type SeedSpec, startEmulator } from './index.ts';

const usage = `Usage: npx tsx local/emulator/main.ts [options]

Runs the AWS Backup + KMS emulator on 127.0.0.1 until interrupted.

Options:
  --port N          port to listen on (default 0: a free port)
  --seed FILE       JSON seed: keys, vaults (with recovery points), backup plans
  --random-seed N   seed of ids, copy durations and faults (default 1)
  --speed F         simulated milliseconds per wall-clock millisecond (default 0: time moves only
                    through POST /_emulator/clock/advance)
  --limit-behaviour queue|reject   past the copy concurrency limit (default queue)
  --region R        (default us-east-1)
  --account ID      (default 123456789012)
  -h, --help        this text`;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n\n${usage}\n`);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      seed: { type: 'string' },
      'random-seed': { type: 'string', default: '1' },
      speed: { type: 'string', default: '0' },
      'limit-behaviour': { type: 'string', default: 'queue' },
      region: { type: 'string', default: 'us-east-1' },
      account: { type: 'string', default: '123456789012' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
}
try {
  parsed = parse();
} catch (error) {
  fail((error as Error).message);
}
const { values } = parsed;
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port must be 0..65535, got ${values.port}`);
const speed = Number(values.speed);
if (!Number.isFinite(speed) || speed < 0) fail(`--speed must be a number >= 0, got ${values.speed}`);
const limitBehaviour = values['limit-behaviour'];
if (limitBehaviour !== 'queue' && limitBehaviour !== 'reject')
  fail('--limit-behaviour must be queue or reject');
if (!/^\d{12}$/.test(values.account ?? '')) fail('--account must be 12 digits');

let seed: SeedSpec | undefined;
if (values.seed) {
  try {
    seed = JSON.parse(readFileSync(values.seed, 'utf8')) as SeedSpec;
  } catch (error) {
    fail(`cannot read seed ${values.seed}: ${(error as Error).message}`);
  }
}

try {
  const emulator = await startEmulator({
    port,
    seed,
    randomSeed: Number(values['random-seed']),
    limitBehaviour,
    region: values.region,
    accountId: values.account,
  });
  emulator.clock.setSpeed(speed);
  process.stdout.write(`${emulator.url}\n`);
  process.stderr.write(
    [
      `AWS Backup + KMS emulator listening on ${emulator.url} (simulated time ${emulator.clock.now().toISOString()})`,
      'Point any SDK or the AWS CLI at it, for example:',
      `  export AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=${emulator.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
      '  aws backup list-backup-vaults',
      `Control: curl -X POST ${emulator.url}/_emulator/clock/advance -d '{"ms":3600000}'`,
      '',
    ].join('\n'),
  );
  const shutdown = () => {
    emulator.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
} catch (error) {
  fail((error as Error).message);
}
