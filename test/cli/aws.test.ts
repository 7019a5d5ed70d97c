import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OutputSchema } from '../../cli/output/schema.ts';
import { FakeAws, REGION, stateMachineArn } from './fake-aws.ts';
import { reportFile, sampleReport } from './fixtures.ts';
import { cli, STACK_TRACE } from './helpers.ts';

const STACK = {
  MigrateVaultStateMachineArn: stateMachineArn('BackupVaultMigrator-MigrateVault'),
  MigrateAllVaultsStateMachineArn: stateMachineArn('BackupVaultMigrator-MigrateAllVaults'),
  ReportBucketName: 'migrator-reports',
  KmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
};

const LOCATION = {
  json: 's3://migrator-reports/legacy-run/report.json',
  csv: 's3://migrator-reports/legacy-run/report.csv',
  text: 's3://migrator-reports/legacy-run/summary.txt',
};

const OUTPUT = {
  outcome: 'MIGRATED_SOURCE_KEPT',
  sourceVaultName: 'legacy',
  targetVaultName: 'legacy-encrypted',
  summary: 'legacy -> legacy-encrypted: 301 of 301 copyable recovery points copied and verified',
  reportLocation: LOCATION,
  counts: { recoveryPoints: 305, copyable: 301, copied: 301, skipped: 4 },
};

describe('vault-migrator on AWS (a fake Step Functions, CloudFormation and S3 on 127.0.0.1)', () => {
  const aws = new FakeAws();
  const onAws = (...argv: string[]) =>
    cli([...argv, '--poll-interval', '0.01'], {
      env: {
        AWS_ENDPOINT_URL: aws.url,
        AWS_REGION: REGION,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
        AWS_MAX_ATTEMPTS: '1',
      },
    });

  beforeAll(async () => {
    await aws.start();
  });

  afterAll(async () => {
    await aws.stop();
  });

  beforeEach(() => {
    aws.stacks.clear();
    aws.stacks.set('BackupVaultMigrator', STACK);
    aws.objects.clear();
    aws.objects.set('migrator-reports/legacy-run/report.json', reportFile(sampleReport()));
    aws.calls.length = 0;
    aws.onStart = () => ({ status: 'SUCCEEDED', output: OUTPUT });
  });

  it("starts MigrateVault from the stack's output, follows it to the end, reads the report and exits 0", async () => {
    let started: unknown;
    aws.onStart = (input) => {
      started = input;
      return { status: 'SUCCEEDED', output: OUTPUT };
    };
    const result = await onAws(
      'migrate',
      '--vault',
      'legacy',
      '--delete-source',
      '--max-concurrency',
      '40',
      '--name',
      'legacy-run',
    );
    expect(result.status).toBe(0);
    expect(started).toEqual({ sourceVaultName: 'legacy', deleteSourceVault: true, maxConcurrentCopies: 40 });
    expect(aws.calls.filter((call) => call === 'AWSStepFunctions.DescribeExecution')).toHaveLength(3);
    expect(result.stderr).toContain(
      'Started arn:aws:states:eu-west-1:123456789012:execution:BackupVaultMigrator-MigrateVault:legacy-run',
    );
    expect(result.stderr).toContain(`Report: ${LOCATION.json}`);
    // This fake serves no history: the command says so once, then shows the status.
    expect(aws.calls.filter((call) => call === 'AWSStepFunctions.GetExecutionHistory')).toHaveLength(1);
    expect(result.stderr).toContain(
      "vault-migrator: no live progress: the execution's history cannot be read (UnknownOperationException: UnknownError); showing its status only (the operator needs states:GetExecutionHistory)\nlegacy-run: RUNNING\nlegacy-run: SUCCEEDED\n",
    );
    // The table comes from the report in the bucket: it knows why recovery points were skipped.
    expect(result.stdout).toMatch(
      /legacy\s+migrated, source kept\s+305\s+301\s+4\s+0\s+120\s+130\s+51\s+2\s+kept: 4 recovery points stay/,
    );
    expect(result.stdout).toContain('2 in cold storage, 1 continuous backup, 1 not completed');
  });

  it("prints the execution's output as JSON on stdout with --json", async () => {
    const result = await onAws('migrate', '--vault', 'legacy', '--json', '--quiet');
    expect(result.status).toBe(0);
    const json = OutputSchema.parse(JSON.parse(result.stdout));
    expect(json).toMatchObject({
      command: 'migrate',
      ok: true,
      execution: { where: 'aws', status: 'SUCCEEDED' },
    });
    expect(json.vaults[0]).toMatchObject({ vault: 'legacy', outcome: 'MIGRATED_SOURCE_KEPT', copied: 301 });
    expect(result.stderr).toBe('');
  });

  it('exits 1 with the named error and its hint on one line when the execution fails', async () => {
    aws.onStart = () => ({
      status: 'FAILED',
      error: 'DeletionNotAllowed',
      cause: JSON.stringify({
        errorType: 'DeletionNotAllowed',
        errorMessage: 'This deployment does not allow deleting source vaults',
      }),
    });
    const result = await onAws('migrate', '--vault', 'legacy', '--delete-source', '--name', 'denied');
    expect(result.status).toBe(1);
    const last = result.stderr.trim().split('\n').pop();
    expect(last).toBe(
      'vault-migrator: DeletionNotAllowed: This deployment does not allow deleting source vaults. ' +
        'Hint: --delete-source needs a deployment that allows deletion (stack context allowSourceDeletion=true).',
    );
    expect(result.stderr).not.toMatch(STACK_TRACE);

    const json = await onAws('migrate', '--vault', 'legacy', '--name', 'denied-json', '--json', '--quiet');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      execution: { status: 'FAILED' },
      error: { name: 'DeletionNotAllowed' },
    });
  });

  it('exits 1 when a batch succeeds but one of its vaults failed', async () => {
    aws.onStart = () => ({
      status: 'SUCCEEDED',
      output: {
        vaults: [
          {
            sourceVaultName: 'legacy',
            outcome: 'MIGRATED_SOURCE_KEPT',
            summary: 's',
            reportLocation: LOCATION,
          },
          {
            sourceVaultName: 'gamma',
            outcome: 'FAILED',
            failure: {
              Error: 'States.TaskFailed',
              Cause: JSON.stringify({
                Name: 'g1',
                Status: 'FAILED',
                Error: 'TargetVaultConflict',
                Cause: 'gamma-encrypted uses another key',
              }),
            },
          },
        ],
        skipped: [{ vaultName: 'compliant', reason: 'already encrypted with a customer-managed key' }],
        settings: { dryRun: false },
      },
    });
    const result = await onAws(
      'migrate-all',
      '--include-aws-managed',
      '--exclude',
      'audit-2019',
      '--name',
      'nightly',
    );
    expect(result.status).toBe(1);
    const started = [...aws.executions.values()].find((execution) => execution.name === 'nightly');
    expect(started?.stateMachineArn).toBe(STACK.MigrateAllVaultsStateMachineArn);
    expect(JSON.parse(started?.input ?? '{}')).toEqual({
      includeAwsManagedKeys: true,
      excludeVaultNames: ['audit-2019'],
    });
    expect(result.stdout).toMatch(/gamma\s+failed: TargetVaultConflict/);
    expect(result.stdout).toMatch(/compliant\s+already encrypted/);
    expect(result.stderr.trim().split('\n').pop()).toMatch(
      /^vault-migrator: 1 of 2 vaults did not migrate; gamma: TargetVaultConflict: gamma-encrypted uses another key/,
    );
  });

  it('exits 3 with a one-line message when the stack does not exist', async () => {
    const result = await onAws('migrate', '--vault', 'legacy', '--stack-name', 'Nope');
    expect(result.status).toBe(3);
    expect(result.stderr.trim()).toMatch(
      /^vault-migrator: StackNotFound: no stack named Nope in this account and Region/,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('uses --state-machine-arn without looking for the stack', async () => {
    aws.stateMachines.add(stateMachineArn('Custom-MigrateVault'));
    const result = await onAws(
      'migrate',
      '--vault',
      'legacy',
      '--state-machine-arn',
      stateMachineArn('Custom-MigrateVault'),
      '--quiet',
    );
    expect(result.status).toBe(0);
    expect(aws.calls).not.toContain('DescribeStacks');
  });

  it('follows a running execution by name with status --follow, and reads a report by execution ARN', async () => {
    const arn = aws.addExecution(
      'BackupVaultMigrator-MigrateVault',
      'legacy-run',
      { sourceVaultName: 'legacy' },
      { status: 'SUCCEEDED', output: OUTPUT },
    );
    const status = await onAws('status', 'legacy-run', '--follow');
    expect(status.status).toBe(0);
    expect(status.stderr).toContain('legacy-run: RUNNING');
    expect(status.stdout).toMatch(/Status\s+SUCCEEDED/);
    expect(status.stdout).toMatch(/legacy\s+migrated, source kept\s+301 of 301 copies verified/);

    const report = await onAws('report', arn, '--format', 'json');
    expect(report.status).toBe(0);
    const summary = JSON.parse(report.stdout) as {
      vaults: Array<{ vault: string; basis: string; skipped: number }>;
    };
    expect(summary.vaults).toEqual([
      expect.objectContaining({ vault: 'legacy', basis: 'report', skipped: 4 }),
    ]);
    expect(aws.calls).toContain('GET /migrator-reports/legacy-run/report.json');
  });

  it('says plainly when an execution is not there', async () => {
    const result = await onAws(
      'status',
      'arn:aws:states:eu-west-1:123456789012:execution:BackupVaultMigrator-MigrateVault:nope',
    );
    expect(result.status).toBe(3);
    expect(result.stderr.trim()).toBe(
      'vault-migrator: ExecutionNotFound: no execution arn:aws:states:eu-west-1:123456789012:execution:BackupVaultMigrator-MigrateVault:nope',
    );
  });
});
