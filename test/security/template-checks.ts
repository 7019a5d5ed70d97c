/**
 * Security checks over a synthesized CloudFormation template, as pure functions: each returns the
 * findings, so that a test can show it fires on a bad template and stays quiet on a good one before
 * it is trusted with the real stack.
 *
 * - IAM: no Allow statement grants `*`, a whole service (`backup:*`) or everything but some actions
 *   (NotAction); no destructive AWS Backup action on `*`; only allow-listed AWS managed policies.
 * - KMS key policies: every principal is this account (or a role in it), an AWS service acting for
 *   this account, or anyone only through AWS Backup in this account; `kms:*` only for the account root.
 * - S3 buckets and SNS topics refuse requests that do not use TLS (a Deny on `aws:SecureTransport`
 *   false), and no Allow opens them to anyone without a condition.
 */

/** The part of a template the checks read. */
export interface CfnTemplate {
  Resources?: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export type CheckName =
  | 'wildcard-action'
  | 'unscoped-destructive-action'
  | 'managed-policy'
  | 'key-policy-principal'
  | 'bucket-tls'
  | 'topic-tls'
  | 'open-resource-policy';

export interface Finding {
  check: CheckName;
  /** Logical ID of the resource (and the statement's Sid or index). */
  where: string;
  detail: string;
}

export interface CheckContext {
  /** The stack's account; `{ Ref: AWS::AccountId }` is read as this account too. */
  account: string;
  region: string;
}

/** AWS Backup actions that destroy or shorten the life of backups, or stop new ones. */
export const DESTRUCTIVE_BACKUP_ACTIONS: readonly string[] = [
  'backup:DeleteBackupVault',
  'backup:DeleteRecoveryPoint',
  'backup:UpdateRecoveryPointLifecycle',
  'backup:DeleteBackupPlan',
];

/**
 * AWS managed policies a role may carry, with why. AWSBackupServiceRolePolicyForBackup is what AWS
 * Backup needs to copy; it is AWS's own service-role policy.
 */
export const ALLOWED_MANAGED_POLICIES: Readonly<Record<string, string>> = {
  'service-role/AWSBackupServiceRolePolicyForBackup': 'the role AWS Backup assumes for copy jobs',
};

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

function list(value: unknown): unknown[] {
  return value === undefined || value === null ? [] : Array.isArray(value) ? value : [value];
}

/** A template value as text: pseudo parameters resolved, `Ref`/`GetAtt` of resources as `${Id}`/`${Id.Attr}`. */
export function text(value: unknown, context: CheckContext): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object') {
    const intrinsic = value as Record<string, unknown>;
    if (typeof intrinsic.Ref === 'string') {
      const pseudo: Record<string, string> = {
        'AWS::AccountId': context.account,
        'AWS::Region': context.region,
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
      };
      return pseudo[intrinsic.Ref] ?? `\${${intrinsic.Ref}}`;
    }
    if (Array.isArray(intrinsic['Fn::GetAtt']))
      return `\${${(intrinsic['Fn::GetAtt'] as string[]).join('.')}}`;
    if (Array.isArray(intrinsic['Fn::Join'])) {
      const [delimiter, items] = intrinsic['Fn::Join'] as [string, unknown[]];
      return items.map((item) => text(item, context)).join(delimiter);
    }
    if (typeof intrinsic['Fn::Sub'] === 'string') {
      const pseudo: Record<string, string> = {
        'AWS::AccountId': context.account,
        'AWS::Region': context.region,
        'AWS::Partition': 'aws',
      };
      return intrinsic['Fn::Sub'].replace(
        /\$\{(AWS::[A-Za-z]+)\}/g,
        (whole, name: string) => pseudo[name] ?? whole,
      );
    }
  }
  return JSON.stringify(value);
}

/** IAM's wildcard matching (`*`, `?`), case-insensitive as IAM matches action names. */
export function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

interface LocatedStatement {
  where: string;
  statement: Statement;
}

function statementsOf(document: unknown, where: string): LocatedStatement[] {
  const statements = list((document as { Statement?: unknown } | undefined)?.Statement) as Statement[];
  return statements.map((statement, index) => ({
    where: `${where} statement ${statement.Sid ?? index}`,
    statement,
  }));
}

/** Identity policies: inline role policies, AWS::IAM::Policy and AWS::IAM::ManagedPolicy documents. */
function identityStatements(template: CfnTemplate): LocatedStatement[] {
  const found: LocatedStatement[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    const properties = resource.Properties ?? {};
    if (
      resource.Type === 'AWS::IAM::Role' ||
      resource.Type === 'AWS::IAM::User' ||
      resource.Type === 'AWS::IAM::Group'
    ) {
      for (const policy of list(properties.Policies) as Array<{
        PolicyName?: string;
        PolicyDocument?: unknown;
      }>) {
        found.push(...statementsOf(policy.PolicyDocument, `${id} policy ${policy.PolicyName ?? ''}`.trim()));
      }
    }
    if (resource.Type === 'AWS::IAM::Policy' || resource.Type === 'AWS::IAM::ManagedPolicy') {
      found.push(...statementsOf(properties.PolicyDocument, id));
    }
  }
  return found;
}

/** Resource policies of buckets and topics (key policies are checked on their own terms). */
function resourcePolicyStatements(template: CfnTemplate): LocatedStatement[] {
  return Object.entries(template.Resources ?? {})
    .filter(([, resource]) => ['AWS::S3::BucketPolicy', 'AWS::SNS::TopicPolicy'].includes(resource.Type))
    .flatMap(([id, resource]) => statementsOf(resource.Properties?.PolicyDocument, id));
}

function isAllow(statement: Statement): boolean {
  return statement.Effect === 'Allow';
}

/** No Allow of `*`, of a whole service, or of everything but some actions. */
export function wildcardActionFindings(template: CfnTemplate, context: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const { where, statement } of [
    ...identityStatements(template),
    ...resourcePolicyStatements(template),
  ]) {
    if (!isAllow(statement)) continue;
    if (statement.NotAction !== undefined) {
      findings.push({
        check: 'wildcard-action',
        where,
        detail: 'Allow with NotAction grants every other action',
      });
    }
    for (const action of list(statement.Action).map((value) => text(value, context))) {
      if (action === '*' || /^[a-z0-9-]+:\*$/i.test(action)) {
        findings.push({ check: 'wildcard-action', where, detail: `allows ${action}` });
      }
    }
  }
  return findings;
}

/** No destructive AWS Backup action on every resource. */
export function destructiveActionFindings(template: CfnTemplate, context: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const { where, statement } of identityStatements(template)) {
    if (!isAllow(statement)) continue;
    const resources = list(statement.Resource).map((value) => text(value, context));
    const everywhere = statement.NotResource !== undefined || resources.includes('*');
    if (!everywhere) continue;
    const patterns = list(statement.Action).map((value) => text(value, context));
    for (const action of DESTRUCTIVE_BACKUP_ACTIONS) {
      if (statement.NotAction !== undefined || patterns.some((pattern) => actionMatches(pattern, action))) {
        findings.push({
          check: 'unscoped-destructive-action',
          where,
          detail: `allows ${action} on ${statement.NotResource !== undefined ? 'everything but NotResource' : '*'}`,
        });
      }
    }
  }
  return findings;
}

/** Only allow-listed AWS managed policies. */
export function managedPolicyFindings(template: CfnTemplate, context: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (!['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'].includes(resource.Type)) continue;
    for (const arn of list(resource.Properties?.ManagedPolicyArns).map((value) => text(value, context))) {
      const awsManaged = /^arn:aws[a-z-]*:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
      if (awsManaged !== undefined && !(awsManaged in ALLOWED_MANAGED_POLICIES)) {
        findings.push({
          check: 'managed-policy',
          where: id,
          detail: `attaches the AWS managed policy ${awsManaged}`,
        });
      }
    }
  }
  return findings;
}

/** Every value a condition key is compared with, whatever the operator. Key names are case-insensitive. */
function conditionValues(statement: Statement, key: string, context: CheckContext): string[] {
  const values: string[] = [];
  for (const [operator, clauses] of Object.entries(statement.Condition ?? {})) {
    // "...IfExists" lets a request without the key through: it scopes nothing.
    if (/IfExists$/.test(operator) || operator === 'Null') continue;
    for (const [name, value] of Object.entries(clauses)) {
      if (name.toLowerCase() === key.toLowerCase())
        values.push(...list(value).map((item) => text(item, context)));
    }
  }
  return values;
}

/** The statement applies only to requests of this account (the caller's, or the one a service acts for). */
function scopedToAccount(statement: Statement, context: CheckContext): boolean {
  for (const key of ['kms:CallerAccount', 'aws:PrincipalAccount', 'aws:SourceAccount']) {
    const values = conditionValues(statement, key, context);
    if (values.length > 0 && values.every((value) => value === context.account)) return true;
  }
  for (const key of ['aws:SourceArn', 'aws:PrincipalArn', 'kms:EncryptionContext:aws:logs:arn']) {
    const values = conditionValues(statement, key, context);
    if (values.length > 0 && values.every((value) => value.split(':')[4] === context.account)) return true;
  }
  return false;
}

interface Principals {
  anyone: boolean;
  aws: string[];
  service: string[];
  other: string[];
}

function principalsOf(statement: Statement, context: CheckContext): Principals {
  const principal = statement.Principal;
  const principals: Principals = { anyone: false, aws: [], service: [], other: [] };
  if (principal === '*') {
    principals.anyone = true;
    return principals;
  }
  for (const [kind, value] of Object.entries((principal ?? {}) as Record<string, unknown>)) {
    const values = list(value).map((item) => text(item, context));
    if (kind === 'AWS') {
      for (const aws of values) {
        if (aws === '*') principals.anyone = true;
        else principals.aws.push(aws);
      }
    } else if (kind === 'Service') principals.service.push(...values);
    else principals.other.push(...values.map((item) => `${kind}: ${item}`));
  }
  return principals;
}

/** An AWS principal of this account: its id, its root, an IAM ARN in it, or a role of this template. */
function inAccount(principal: string, context: CheckContext): boolean {
  if (principal === context.account) return true;
  if (/^\$\{[^:}]+\}$/.test(principal)) return true;
  const arn = /^arn:aws[a-z-]*:(iam|sts)::(\d{12}|\$\{[^}]+\}):/.exec(principal);
  return arn?.[2] === context.account;
}

function isAccountRoot(principal: string, context: CheckContext): boolean {
  return (
    principal === context.account ||
    new RegExp(`^arn:aws[a-z-]*:iam::${context.account}:root$`).test(principal)
  );
}

/**
 * Who may use each customer-managed key: principals of this account, AWS services acting for this
 * account, or anyone only through AWS Backup (kms:ViaService backup.*) and only in this account.
 */
export function keyPolicyFindings(template: CfnTemplate, context: CheckContext): Finding[] {
  const findings: Finding[] = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::KMS::Key') continue;
    for (const { where, statement } of statementsOf(resource.Properties?.KeyPolicy, id)) {
      if (!isAllow(statement)) continue;
      const fail = (detail: string) => findings.push({ check: 'key-policy-principal', where, detail });
      if (statement.NotPrincipal !== undefined)
        fail('Allow with NotPrincipal lets everyone else use the key');
      const principals = principalsOf(statement, context);
      const actions = list(statement.Action).map((value) => text(value, context));
      const everything =
        statement.NotAction !== undefined ||
        actions.some((action) => action === '*' || action.toLowerCase() === 'kms:*');
      const beyondRoot =
        principals.anyone ||
        principals.service.length > 0 ||
        principals.other.length > 0 ||
        principals.aws.some((aws) => !isAccountRoot(aws, context));
      if (everything && beyondRoot) {
        fail('grants every KMS action to a principal other than the account root');
      }
      for (const aws of principals.aws) {
        if (!inAccount(aws, context)) fail(`lets ${aws}, outside account ${context.account}, use the key`);
      }
      for (const other of principals.other) fail(`lets ${other} use the key`);
      if (principals.service.length > 0 && !scopedToAccount(statement, context)) {
        fail(`lets ${principals.service.join(', ')} use the key for any account (no account condition)`);
      }
      if (principals.anyone) {
        const viaServices = conditionValues(statement, 'kms:ViaService', context);
        const throughBackup =
          viaServices.length > 0 &&
          viaServices.every((service) => /^backup\.[a-z0-9-]+\.amazonaws\.com$/.test(service));
        if (!scopedToAccount(statement, context)) fail('lets any principal of any account use the key');
        if (!throughBackup)
          fail('lets any principal use the key other than through AWS Backup (kms:ViaService)');
      }
    }
  }
  return findings;
}

function refersTo(value: unknown, logicalId: string): boolean {
  const intrinsic = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | undefined;
  return (
    intrinsic?.Ref === logicalId ||
    (Array.isArray(intrinsic?.['Fn::GetAtt']) && intrinsic['Fn::GetAtt'][0] === logicalId)
  );
}

/** A Deny of anything not sent over TLS, for everyone. */
function deniesInsecureTransport(
  statement: Statement,
  actionCovers: (action: string) => boolean,
  context: CheckContext,
): boolean {
  if (statement.Effect !== 'Deny') return false;
  if (!principalsOf(statement, context).anyone) return false;
  if (
    !list(statement.Action)
      .map((value) => text(value, context))
      .some(actionCovers)
  )
    return false;
  const secure = Object.entries(statement.Condition ?? {})
    .filter(([operator]) => operator === 'Bool')
    .flatMap(([, clauses]) => Object.entries(clauses))
    .filter(([name]) => name.toLowerCase() === 'aws:securetransport')
    .flatMap(([, value]) => list(value).map(String));
  return secure.length > 0 && secure.every((value) => value === 'false');
}

/** Every bucket and topic refuses requests without TLS; no policy opens one to anyone unconditionally. */
export function transportFindings(template: CfnTemplate, context: CheckContext): Finding[] {
  const findings: Finding[] = [];
  const resources = Object.entries(template.Resources ?? {});
  for (const [bucketId, bucket] of resources.filter(([, resource]) => resource.Type === 'AWS::S3::Bucket')) {
    const statements = resources
      .filter(
        ([, resource]) =>
          resource.Type === 'AWS::S3::BucketPolicy' && refersTo(resource.Properties?.Bucket, bucketId),
      )
      .flatMap(([id, resource]) => statementsOf(resource.Properties?.PolicyDocument, id));
    const bucketArn = `\${${bucketId}.Arn}`;
    const covered = (suffix: string) =>
      statements.some(
        ({ statement }) =>
          deniesInsecureTransport(statement, (action) => ['*', 's3:*'].includes(action), context) &&
          list(statement.Resource)
            .map((value) => text(value, context))
            .some((resource) => resource === '*' || resource === `${bucketArn}${suffix}`),
      );
    if (!covered('') || !covered('/*')) {
      findings.push({
        check: 'bucket-tls',
        where: bucketId,
        detail: `bucket ${bucket.Properties?.BucketName ? text(bucket.Properties.BucketName, context) : bucketId} accepts requests without TLS (no Deny on aws:SecureTransport false for the bucket and its objects)`,
      });
    }
  }
  for (const [topicId] of resources.filter(([, resource]) => resource.Type === 'AWS::SNS::Topic')) {
    const statements = resources
      .filter(
        ([, resource]) =>
          resource.Type === 'AWS::SNS::TopicPolicy' &&
          list(resource.Properties?.Topics).some((topic) => refersTo(topic, topicId)),
      )
      .flatMap(([id, resource]) => statementsOf(resource.Properties?.PolicyDocument, id));
    const covered = statements.some(({ statement }) =>
      deniesInsecureTransport(
        statement,
        (action) => ['*', 'sns:*', 'sns:publish'].includes(action.toLowerCase()),
        context,
      ),
    );
    if (!covered) {
      findings.push({
        check: 'topic-tls',
        where: topicId,
        detail: 'topic accepts publishing without TLS (no Deny on aws:SecureTransport false)',
      });
    }
  }
  for (const { where, statement } of resourcePolicyStatements(template)) {
    if (isAllow(statement) && principalsOf(statement, context).anyone && statement.Condition === undefined) {
      findings.push({ check: 'open-resource-policy', where, detail: 'allows anyone, with no condition' });
    }
  }
  return findings;
}

/** Every check, every finding. */
export function securityFindings(template: CfnTemplate, context: CheckContext): Finding[] {
  return [
    ...wildcardActionFindings(template, context),
    ...destructiveActionFindings(template, context),
    ...managedPolicyFindings(template, context),
    ...keyPolicyFindings(template, context),
    ...transportFindings(template, context),
  ];
}
