/**
 * IAM in the loop: each call signed with an access key that names a role is evaluated against that
 * role's identity policies and the resource policies involved (the KMS key policy, the vault access
 * policy), with @cloud-copilot/iam-simulate, a maintained IAM evaluation engine. The policies come
 * in as data (the loader in local/iam/ reads them from the synthesized template): the emulator
 * imports nothing of what it checks. Calls with an access key it does not map (the operator, the
 * AWS CLI, test set-up) are the account's administrator and are not evaluated.
 *
 * The engine is AGPL-3.0 and a devDependency: it is loaded only when policies are set, and never
 * bundled into a Lambda or the CLI.
 */
import type { BackupService } from './backup-service.ts';
import { AwsError } from './errors.ts';
import type { KmsService } from './kms-service.ts';
import type { CopyJob } from './model.ts';
import {
  COPY_ROLE_KEY_ACTIONS,
  type PermissionRow,
  permissionRow,
  type ResourceKind,
} from './permissions.ts';
import type { Json } from './validate.ts';

/** An IAM policy document as JSON. */
export type PolicyDocument = Record<string, unknown>;

export interface RolePolicies {
  /** The role's identity policies (inline and customer-managed), by name. */
  policies: { name: string; policy: PolicyDocument }[];
}

export interface AuthorizationPolicies {
  /** Access key id -> the role its calls run as, and the session name (Lambda: the function name). */
  callers: Record<string, { roleArn: string; sessionName: string }>;
  /** Role ARN -> its identity policies. Roles assumed by services (the copy role) are here too. */
  roles: Record<string, RolePolicies>;
}

/** One evaluation: who, what, on what, under which resource policy and request context. */
export interface AuthorizationRequest {
  action: string;
  /** How a denial is answered (default: 403). */
  whenDenied?: 'leave-expired' | undefined;
  resource: string;
  resourcePolicy?: string | undefined;
  context: Record<string, string>;
}

/** What an authorized call may still have to do differently (a denial AWS answers with 200). */
export interface AuthorizationVerdict {
  /** DeleteRecoveryPoint answers 200 but leaves the recovery point EXPIRED. */
  leaveExpired?: boolean;
}

export interface Denial {
  principal: string;
  action: string;
  resource: string;
  operation: string;
  message: string;
}

type Engine = typeof import('@cloud-copilot/iam-simulate') &
  Pick<typeof import('@cloud-copilot/iam-policy'), 'createValidatedPolicy' | 'validateResourcePolicy'>;

export class Authorizer {
  private policies?: AuthorizationPolicies;
  private engine?: Engine;
  private readonly decisions = new Map<string, Promise<string | undefined>>();
  /** Every denial, in order (tests read them). */
  readonly denials: Denial[] = [];
  /** Evaluations run by the engine (not answered from the cache). */
  evaluations = 0;

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly backup: BackupService,
    private readonly kms: KmsService,
  ) {}

  get enabled(): boolean {
    return this.policies !== undefined;
  }

  /** Sets the policies every known caller is evaluated against (undefined: no authorization). */
  async setPolicies(policies: AuthorizationPolicies | undefined): Promise<void> {
    if (policies) {
      this.engine ??= {
        ...(await import('@cloud-copilot/iam-simulate')),
        ...(await import('@cloud-copilot/iam-policy')),
      };
    }
    this.policies = policies === undefined ? undefined : structuredClone(policies);
    this.decisions.clear();
  }

  getPolicies(): AuthorizationPolicies | undefined {
    return this.policies === undefined ? undefined : structuredClone(this.policies);
  }

  /** The session ARN a call signed with `accessKeyId` runs as, if the key names a role. */
  principalOf(accessKeyId: string | undefined): string | undefined {
    const caller = accessKeyId === undefined ? undefined : this.policies?.callers[accessKeyId];
    return caller ? sessionArn(caller.roleArn, caller.sessionName) : undefined;
  }

  /**
   * Authorizes one call: throws AWS's 403 AccessDeniedException naming the first action denied
   * (the operation's own, then its dependent actions). Unknown callers pass. A denied action that
   * AWS answers with 200 and a recovery point left EXPIRED (DeleteRecoveryPoint without
   * iam:CreateServiceLinkedRole) returns `leaveExpired` instead.
   */
  async authorize(call: {
    service: 'backup' | 'kms';
    operation: string;
    labels: string[];
    body: Json;
    accessKeyId: string | undefined;
  }): Promise<AuthorizationVerdict> {
    const caller = call.accessKeyId === undefined ? undefined : this.policies?.callers[call.accessKeyId];
    if (!this.policies || !caller) return {};
    const row = permissionRow(call.service, call.operation);
    if (!row) {
      throw new AwsError(
        'AccessDeniedException',
        `The emulator has no permission row for ${call.service}:${call.operation} (local/emulator/permissions.ts)`,
        403,
      );
    }
    const principal = sessionArn(caller.roleArn, caller.sessionName);
    const verdict: AuthorizationVerdict = {};
    for (const request of this.requestsOf(row, call)) {
      const message = await this.decide(caller.roleArn, principal, request);
      if (message !== undefined) {
        this.denials.push({
          principal,
          action: request.action,
          resource: request.resource,
          operation: row.operation,
          message,
        });
        if (request.whenDenied === 'leave-expired') verdict.leaveExpired = true;
        else throw new AwsError('AccessDeniedException', message, 403);
      }
    }
    return verdict;
  }

  /**
   * AWS Backup runs the copy as the role the job names: it must be able to use the destination
   * vault's key and the source recovery point's key. Returns the job's failure message, if any.
   */
  async authorizeCopyJob(job: CopyJob): Promise<string | undefined> {
    if (!this.policies) return undefined;
    const role = this.policies.roles[job.iamRoleArn];
    if (!role) return `Access denied: AWS Backup cannot assume the IAM role ${job.iamRoleArn}`;
    const principal = sessionArn(job.iamRoleArn, 'AWSBackup');
    const destination = [...this.backup.vaults.values()].find(
      (vault) => vault.arn === job.destinationVaultArn,
    );
    const source = this.backup.vaults
      .get(job.sourceVaultName)
      ?.recoveryPoints.get(job.sourceRecoveryPointArn);
    const keys: [string | undefined, readonly string[]][] = [
      [destination?.encryptionKeyArn, COPY_ROLE_KEY_ACTIONS.target],
      [source?.encryptionKeyArn, COPY_ROLE_KEY_ACTIONS.source],
    ];
    for (const [keyArn, actions] of keys) {
      const key = keyArn === undefined ? undefined : this.kms.findKey(keyArn);
      if (!key) continue;
      for (const action of actions) {
        const message = await this.decide(job.iamRoleArn, principal, {
          action,
          resource: key.arn,
          resourcePolicy: this.kms.keyPolicy(key),
          context: {
            'kms:ViaService': `backup.${this.region}.amazonaws.com`,
            'kms:CallerAccount': this.accountId,
            ...(action === 'kms:CreateGrant' ? { 'kms:GrantIsForAWSResource': 'true' } : {}),
          },
        });
        if (message !== undefined) {
          this.denials.push({ principal, action, resource: key.arn, operation: 'CopyJob', message });
          return message;
        }
      }
    }
    return undefined;
  }

  private requestsOf(
    row: PermissionRow,
    call: { labels: string[]; body: Json; operation: string },
  ): AuthorizationRequest[] {
    const own = this.resolve(row.resource, call);
    const requests: AuthorizationRequest[] = [{ action: row.action, ...own, context: {} }];
    for (const dependent of row.dependent ?? []) {
      if (dependent.onlyWithKey && typeof call.body.EncryptionKeyArn !== 'string') continue;
      const target = this.resolve(dependent.resource, call);
      // A key that does not exist: the operation answers for it (NotFound, invalid key).
      if (dependent.resource === 'key' && target.resource === '') continue;
      const context = Object.fromEntries(
        Object.entries(dependent.context ?? {}).map(([key, value]) => [
          key,
          value.replace('{region}', this.region).replace('{account}', this.accountId),
        ]),
      );
      requests.push({ action: dependent.action, ...target, context, whenDenied: dependent.whenDenied });
    }
    return requests.filter((request) => request.resource !== '');
  }

  /** The resource ARN an action is checked on, and its resource policy. '' when it cannot be named. */
  private resolve(
    kind: ResourceKind,
    call: { labels: string[]; body: Json },
  ): { resource: string; resourcePolicy?: string | undefined } {
    const label = (index: number) => call.labels[index] ?? '';
    const body = (name: string) => (typeof call.body[name] === 'string' ? (call.body[name] as string) : '');
    switch (kind) {
      case '*':
        return { resource: '*' };
      case 'vault':
        return this.vaultResource(label(0));
      case 'recoveryPoint': {
        const vaultName = label(0) || body('SourceBackupVaultName');
        const arn = label(1) || body('RecoveryPointArn');
        return { resource: arn, resourcePolicy: this.backup.vaults.get(vaultName)?.accessPolicy };
      }
      case 'destinationVault': {
        const arn = body('DestinationBackupVaultArn');
        const vault = [...this.backup.vaults.values()].find((candidate) => candidate.arn === arn);
        return { resource: arn, resourcePolicy: vault?.accessPolicy };
      }
      case 'backupPlan':
        return {
          resource: `arn:aws:backup:${this.region}:${this.accountId}:backup-plan:${label(0) || 'new'}`,
        };
      case 'taggedResource': {
        const arn = label(0);
        const vault = [...this.backup.vaults.values()].find((candidate) => candidate.arn === arn);
        return { resource: arn, resourcePolicy: vault?.accessPolicy };
      }
      case 'passedRole':
        return { resource: body('IamRoleArn') };
      case 'backupServiceLinkedRole':
        return {
          resource: `arn:aws:iam::${this.accountId}:role/aws-service-role/backup.amazonaws.com/AWSServiceRoleForBackup`,
        };
      case 'key': {
        const reference = body('EncryptionKeyArn') || body('KeyId') || body('TargetKeyId');
        const key = reference ? this.kms.findKey(reference) : undefined;
        return key ? { resource: key.arn, resourcePolicy: this.kms.keyPolicy(key) } : { resource: '' };
      }
    }
  }

  private vaultResource(name: string) {
    const vault = this.backup.vaults.get(name);
    return { resource: this.backup.vaultArn(name), resourcePolicy: vault?.accessPolicy };
  }

  /** The denial message, or undefined when allowed; cached per (role, action, resource, policy, context). */
  private decide(
    roleArn: string,
    principal: string,
    request: AuthorizationRequest,
  ): Promise<string | undefined> {
    const key = JSON.stringify([
      principal,
      request.action,
      request.resource,
      request.resourcePolicy,
      request.context,
    ]);
    let decision = this.decisions.get(key);
    if (!decision) {
      decision = this.evaluate(roleArn, principal, request);
      this.decisions.set(key, decision);
    }
    return decision;
  }

  private async evaluate(
    roleArn: string,
    principal: string,
    request: AuthorizationRequest,
  ): Promise<string | undefined> {
    const engine = this.engine;
    if (!engine || !this.policies) return undefined;
    this.evaluations++;
    const identityPolicies = this.policies.roles[roleArn]?.policies ?? [];
    const resourcePolicy =
      request.resourcePolicy === undefined ? undefined : JSON.parse(request.resourcePolicy);
    const simulation = {
      request: {
        principal,
        action: request.action,
        resource: { resource: request.resource, accountId: this.accountId },
        contextVariables: {
          'aws:PrincipalArn': roleArn,
          'aws:PrincipalAccount': this.accountId,
          'aws:RequestedRegion': this.region,
          ...request.context,
        },
      },
      identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
    };
    const result = await engine.runSimulation(simulation, {});
    let verdict: string;
    if (
      result.resultType === 'error' &&
      ['multiple.resource.types', 'no.resource.types'].includes(result.errors.message)
    ) {
      // The engine's ARN table cannot tell the resource type (vaults and air-gapped vaults share an
      // ARN shape; EBS snapshot ARNs carry no account): evaluate without that validation. That path
      // loads a plain resource policy without a name and then reads it (a TypeError in 0.1.173), so
      // the policy goes in validated, with its name.
      verdict = engine.runUnsafeSimulation(
        resourcePolicy === undefined
          ? simulation
          : {
              ...simulation,
              resourcePolicy: engine.createValidatedPolicy(resourcePolicy, engine.validateResourcePolicy, {
                name: 'ResourcePolicy',
              }),
            },
        {},
      );
    } else if (result.resultType === 'error') {
      throw new AwsError(
        'ServiceUnavailableException',
        `The emulator could not evaluate ${request.action} on ${request.resource}: ${result.errors.message}`,
        500,
      );
    } else {
      verdict = (result as { overallResult?: string }).overallResult ?? 'ImplicitlyDenied';
    }
    if (verdict === 'Allowed') return undefined;
    const why =
      verdict === 'ExplicitlyDenied'
        ? 'with an explicit deny in a policy'
        : `because no identity-based policy allows the ${request.action} action`;
    return `User: ${principal} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}`;
  }
}

/** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` for a role ARN (paths dropped, as STS does). */
export function sessionArn(roleArn: string, sessionName: string): string {
  const match = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (!match) return roleArn;
  return `arn:${match[1]}:sts::${match[2]}:assumed-role/${match[3]}/${sessionName}`;
}
