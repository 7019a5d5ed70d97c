/**
 * The policies every local run is authorized by: read from the template the stack synthesizes
 * (the same CDK code that deploys, with inline Lambda code so that nothing is bundled), intrinsics
 * resolved for the local account and Region, handed to the emulator as data.
 *
 * The template is synthesized once per machine and kept on disk under
 * node_modules/.cache/vault-migrator/, keyed by a hash of infra/ and the lockfile (so a change to
 * a policy is always seen), and once per process in memory.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuthorizationPolicies, PolicyDocument } from '#emulator/authorization.ts';
import { ENVIRONMENT, toEnvironment } from '#shared/config.ts';
import { packageRoot } from '../package-root.ts';
import { accessKeyIdFor, LOCAL_COPY_ROLE_NAME, localFunctionName, localRoleName } from './identities.ts';

const ROOT = packageRoot();
const CACHE_DIR = join(ROOT, 'node_modules', '.cache', 'vault-migrator');

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

export interface StackTemplate {
  Resources: Resources;
}

export interface SynthOptions {
  /** The stack's `additionalKmsKeyArns`. Default none. */
  additionalKmsKeyArns?: readonly string[];
}

const inMemory = new Map<string, Promise<StackTemplate>>();

function sourceHash(options: SynthOptions): string {
  const hash = createHash('sha256');
  const infra = join(ROOT, 'infra');
  for (const file of readdirSync(infra).sort()) {
    if (file.endsWith('.ts')) hash.update(file).update(readFileSync(join(infra, file)));
  }
  hash.update(readFileSync(join(ROOT, 'package-lock.json')));
  // The environment's names (the template's variables this module reads) are the Lambdas' config.
  hash.update(readFileSync(join(ROOT, 'lambdas', 'shared', 'config.ts')));
  hash.update(JSON.stringify(options.additionalKmsKeyArns ?? []));
  return hash.digest('hex').slice(0, 16);
}

/**
 * The template of the stack as `cdk deploy` would deploy it with deletion allowed (local runs
 * always allow it), environment-agnostic: account and Region stay `Ref`s, resolved per run.
 */
export function stackTemplate(options: SynthOptions = {}): Promise<StackTemplate> {
  const key = sourceHash(options);
  let template = inMemory.get(key);
  if (!template) {
    template = loadOrSynth(key, options);
    inMemory.set(key, template);
  }
  return template;
}

async function loadOrSynth(key: string, options: SynthOptions): Promise<StackTemplate> {
  const file = join(CACHE_DIR, `stack-template-${key}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackTemplate;
  } catch {
    // Not cached yet: synthesize.
  }
  const template = await synth(options);
  mkdirSync(CACHE_DIR, { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(template));
  renameSync(temporary, file);
  return template;
}

async function synth(options: SynthOptions): Promise<StackTemplate> {
  const [{ App }, lambda, { VaultMigratorStack }] = await Promise.all([
    import('aws-cdk-lib'),
    import('aws-cdk-lib/aws-lambda'),
    import('../../infra/stack.ts'),
  ]);
  const app = new App({ builtinCloudFormationValidation: false } as never);
  const stack = new VaultMigratorStack(app, 'BackupVaultMigrator', {
    migrator: {
      allowSourceDeletion: true,
      ...(options.additionalKmsKeyArns ? { additionalKmsKeyArns: options.additionalKmsKeyArns } : {}),
      functionFactory: {
        createFunction(scope, id, props) {
          const { entry: _entry, ...functionProps } = props;
          return new lambda.Function(scope, id, {
            ...functionProps,
            code: lambda.Code.fromInline('export const handler = async () => ({});'),
            handler: 'index.handler',
          });
        },
      },
    },
  });
  return app.synth().getStackArtifact(stack.artifactId).template as StackTemplate;
}

export interface LocalStack {
  accountId: string;
  region: string;
  /** The local key that plays the stack's migration key. */
  migrationKeyArn: string;
}

/** What a local run takes from the template: the policies for the emulator, the Lambdas' settings. */
export interface StackPolicies {
  authorization: AuthorizationPolicies;
  /** The migration key's policy from the template (resolved), for the local migration key. */
  migrationKeyPolicy: PolicyDocument;
  copyRoleArn: string;
  /** Settings the stack gives the Lambdas that concern authorization (COPY_ROLE_ARN, ALLOWED_KMS_KEY_ARNS). */
  environment: Record<string, string>;
  /** Function key (`PrepareMigrationFunctionArn`) -> role ARN. */
  functionRoles: Record<string, string>;
}

/** Resolves the template's policies for one local account and Region. */
export function stackPolicies(template: StackTemplate, local: LocalStack): StackPolicies {
  const resources = template.Resources;
  const functionKeys = new Map<string, string>(); // Lambda logical id -> function key
  for (const resource of Object.values(resources)) {
    if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const substitutions = (resource.Properties?.DefinitionSubstitutions ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(substitutions)) {
      const target = getAttTarget(value);
      if (target && resources[target]?.Type === 'AWS::Lambda::Function') functionKeys.set(target, key);
    }
  }
  const roleNames = new Map<string, string>(); // role logical id -> local role name
  const functionRoleIds = new Map<string, string>(); // function key -> role logical id
  let copyRoleId: string | undefined;
  for (const [id, resource] of Object.entries(resources)) {
    const key = functionKeys.get(id);
    if (!key) continue;
    const roleId = getAttTarget(resource.Properties?.Role);
    if (!roleId) continue;
    roleNames.set(roleId, localRoleName(key));
    functionRoleIds.set(key, roleId);
    const variables = ((resource.Properties?.Environment as { Variables?: Record<string, unknown> })
      ?.Variables ?? {}) as Record<string, unknown>;
    const copyRole = getAttTarget(variables[ENVIRONMENT.copyRoleArn]);
    if (copyRole) copyRoleId = copyRole;
  }
  if (copyRoleId === undefined) throw new Error(`The template gives no Lambda a ${ENVIRONMENT.copyRoleArn}`);
  roleNames.set(copyRoleId, LOCAL_COPY_ROLE_NAME);

  const resolver = new Resolver(resources, local, roleNames);
  const roles: AuthorizationPolicies['roles'] = {};
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role') continue;
    roles[resolver.roleArn(id)] = {
      policies: (
        (resource.Properties?.Policies ?? []) as { PolicyName: string; PolicyDocument: unknown }[]
      ).map((policy) => ({
        name: policy.PolicyName,
        policy: resolver.resolve(policy.PolicyDocument) as PolicyDocument,
      })),
    };
    // AWS-managed policies (the copy role's AWSBackupServiceRolePolicyForBackup) are not in the
    // template: they count for nothing here, which is stricter than AWS, never kinder.
  }
  for (const [id, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Policy' && resource.Type !== 'AWS::IAM::ManagedPolicy') continue;
    const attached = (resource.Properties?.Roles ?? []) as unknown[];
    for (const role of attached) {
      const roleId = refTarget(role);
      if (!roleId) continue;
      roles[resolver.roleArn(roleId)]?.policies.push({
        name: String(resource.Properties?.PolicyName ?? id),
        policy: resolver.resolve(resource.Properties?.PolicyDocument) as PolicyDocument,
      });
    }
  }

  const callers: AuthorizationPolicies['callers'] = {};
  const functionRoles: Record<string, string> = {};
  for (const [key, roleId] of functionRoleIds) {
    const roleArn = resolver.roleArn(roleId);
    functionRoles[key] = roleArn;
    callers[accessKeyIdFor(key)] = { roleArn, sessionName: localFunctionName(key) };
  }

  const migrationKeyId = Object.entries(resources).find(
    ([id, resource]) => resource.Type === 'AWS::KMS::Key' && id.startsWith('MigrationKey'),
  )?.[0];
  const migrationKeyPolicy = migrationKeyId
    ? (resolver.resolve(resources[migrationKeyId]?.Properties?.KeyPolicy) as PolicyDocument)
    : defaultKeyPolicy(local.accountId);

  const environment: Record<string, string> = toEnvironment({ copyRoleArn: resolver.roleArn(copyRoleId) });
  const prepareId = [...functionKeys].find(([, key]) => key === 'PrepareMigrationFunctionArn')?.[0];
  const prepareVariables = (
    resources[prepareId ?? '']?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined
  )?.Variables;
  const allowedKeys = prepareVariables?.[ENVIRONMENT.allowedKmsKeyArns];
  if (allowedKeys !== undefined) {
    Object.assign(environment, toEnvironment({ allowedKmsKeyArns: String(resolver.resolve(allowedKeys)) }));
  }
  return {
    authorization: { callers, roles },
    migrationKeyPolicy,
    copyRoleArn: resolver.roleArn(copyRoleId),
    environment,
    functionRoles,
  };
}

function defaultKeyPolicy(accountId: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Enable IAM User Permissions',
        Effect: 'Allow',
        Principal: { AWS: `arn:aws:iam::${accountId}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
    ],
  };
}

function getAttTarget(value: unknown): string | undefined {
  const getAtt = (value as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
  return Array.isArray(getAtt) && getAtt[1] === 'Arn' ? String(getAtt[0]) : undefined;
}

function refTarget(value: unknown): string | undefined {
  const ref = (value as { Ref?: unknown } | undefined)?.Ref;
  return typeof ref === 'string' ? ref : undefined;
}

/** Resolves Ref, Fn::GetAtt (Arn), Fn::Join and Fn::Sub for the local account and Region. */
class Resolver {
  constructor(
    private readonly resources: Resources,
    private readonly local: LocalStack,
    private readonly roleNames: Map<string, string>,
  ) {}

  roleArn(id: string): string {
    return `arn:aws:iam::${this.local.accountId}:role/${this.roleNames.get(id) ?? id}`;
  }

  private pseudo(name: string): string | undefined {
    switch (name) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::Region':
        return this.local.region;
      case 'AWS::AccountId':
        return this.local.accountId;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'BackupVaultMigrator';
      default:
        return undefined;
    }
  }

  /** `Ref` of a resource: its physical id as CloudFormation returns it (names and ARNs made up locally). */
  private ref(id: string): string {
    const resource = this.resources[id];
    const { accountId, region } = this.local;
    switch (resource?.Type) {
      case 'AWS::IAM::Role':
        return this.roleNames.get(id) ?? id;
      case 'AWS::KMS::Key':
        return id.startsWith('MigrationKey') ? (this.local.migrationKeyArn.split('/').pop() ?? id) : id;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${accountId}:${id}`;
      case 'AWS::S3::Bucket':
        return id.toLowerCase();
      default:
        return id;
    }
  }

  private arn(id: string): string {
    const resource = this.resources[id];
    const { accountId, region } = this.local;
    switch (resource?.Type) {
      case 'AWS::IAM::Role':
        return this.roleArn(id);
      case 'AWS::KMS::Key':
        return id.startsWith('MigrationKey')
          ? this.local.migrationKeyArn
          : `arn:aws:kms:${region}:${accountId}:key/${id}`;
      case 'AWS::S3::Bucket':
        return `arn:aws:s3:::${this.ref(id)}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${accountId}:function:${id}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${accountId}:log-group:${id}:*`;
      default:
        return `arn:aws:${(resource?.Type ?? 'unknown').split('::')[1]?.toLowerCase()}:${region}:${accountId}:${id}`;
    }
  }

  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.resolve(item));
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    if ('Ref' in object) {
      const name = String(object.Ref);
      return this.pseudo(name) ?? this.ref(name);
    }
    if ('Fn::GetAtt' in object) {
      const [id, attribute] = object['Fn::GetAtt'] as [string, string];
      if (attribute === 'Arn') return this.arn(id);
      return `${id}.${attribute}`;
    }
    if ('Fn::Join' in object) {
      const [delimiter, items] = object['Fn::Join'] as [string, unknown[]];
      return (this.resolve(items) as unknown[]).map(String).join(delimiter);
    }
    if ('Fn::Sub' in object) {
      const argument = object['Fn::Sub'];
      const [text, variables] = Array.isArray(argument)
        ? (argument as [string, Record<string, unknown>])
        : [String(argument), {}];
      return text.replace(/\$\{([^}]+)\}/g, (_match, name: string) => {
        if (name in variables) return String(this.resolve(variables[name]));
        if (name.endsWith('.Arn')) return this.arn(name.slice(0, -'.Arn'.length));
        return this.pseudo(name) ?? this.ref(name);
      });
    }
    return Object.fromEntries(Object.entries(object).map(([key, item]) => [key, this.resolve(item)]));
  }
}

/** The emulator surface the loader needs: in this process, or through the control API. */
export interface AuthorizableEmulator {
  setAuthorization(policies: AuthorizationPolicies | undefined): Promise<void>;
  kms: { setKeyPolicy(reference: string, policy: string): unknown };
}

/**
 * Authorizes every call the Lambdas make to `emulator` by the stack's policies (on by default in
 * every local run) and gives the local migration key the stack key's policy. Returns the Lambda
 * settings the runner must use (the copy role, the keys Prepare allows).
 */
export interface AuthorizeOptions {
  /** Leave the migration key's own policy (a stack deployed with an existing key does not manage it). */
  keepKeyPolicy?: boolean;
}

export async function authorizeAsDeployed(
  emulator: AuthorizableEmulator,
  local: LocalStack,
  options: SynthOptions = {},
  authorize: AuthorizeOptions = {},
): Promise<StackPolicies> {
  const policies = stackPolicies(await stackTemplate(options), local);
  await emulator.setAuthorization(policies.authorization);
  if (!authorize.keepKeyPolicy) {
    emulator.kms.setKeyPolicy(local.migrationKeyArn, JSON.stringify(policies.migrationKeyPolicy));
  }
  return policies;
}

/** The same against an emulator in another process (its control API). */
export async function authorizeEndpointAsDeployed(
  endpoint: string,
  local: LocalStack,
  options: SynthOptions = {},
  authorize: AuthorizeOptions = {},
): Promise<StackPolicies | undefined> {
  const policies = stackPolicies(await stackTemplate(options), local);
  const post = (path: string, body: unknown) =>
    fetch(`${endpoint}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) }).then(
      (response) => response.ok,
      () => false,
    );
  // An AWS-compatible endpoint that is not this emulator authorizes (or not) by itself.
  if (!(await post('authorization', { policies: policies.authorization }))) return undefined;
  if (!authorize.keepKeyPolicy) {
    await post('key-policy', {
      keyId: local.migrationKeyArn,
      policy: JSON.stringify(policies.migrationKeyPolicy),
    });
  }
  return policies;
}
