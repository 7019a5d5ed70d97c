import { DAY_MS, type SimClock } from './clock.ts';
import { AwsError } from './errors.ts';
import type { KeyState, KmsKey } from './model.ts';
import type { SeededRandom } from './random.ts';
import type { Json } from './validate.ts';

const kmsNotFound = (message: string) => new AwsError('NotFoundException', message);
const kmsInvalidState = (message: string) => new AwsError('KMSInvalidStateException', message);
const kmsAlreadyExists = (message: string) => new AwsError('AlreadyExistsException', message);
const kmsValidation = (message: string) => new AwsError('ValidationException', message);

export const AWS_BACKUP_ALIAS = 'alias/aws/backup';

/** The KMS side of the emulator: keys, aliases and key states in one account and Region. */
export class KmsService {
  readonly keys = new Map<string, KmsKey>();
  readonly aliases = new Map<string, { targetKeyId: string; creationDate: Date }>();

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly clock: SimClock,
    private readonly random: SeededRandom,
  ) {}

  /** Adds a key directly (seeding or CreateKey); `region` other than the emulator's models a foreign key. */
  addKey(spec: {
    keyManager?: 'AWS' | 'CUSTOMER';
    description?: string;
    keyState?: KeyState;
    keySpec?: string;
    alias?: string;
    region?: string;
    keyId?: string;
    /** Key policy JSON; default: the default key policy (or AWS's policy for an AWS-managed key). */
    policy?: string;
  }): KmsKey {
    const keyId = spec.keyId ?? this.random.uuid();
    const region = spec.region ?? this.region;
    const key: KmsKey = {
      keyId,
      arn: `arn:aws:kms:${region}:${this.accountId}:key/${keyId}`,
      region,
      accountId: this.accountId,
      creationDate: this.clock.now(),
      description: spec.description ?? '',
      keyManager: spec.keyManager ?? 'CUSTOMER',
      keyState: spec.keyState ?? 'Enabled',
      keySpec: spec.keySpec ?? 'SYMMETRIC_DEFAULT',
      keyUsage: spec.keySpec && spec.keySpec !== 'SYMMETRIC_DEFAULT' ? 'SIGN_VERIFY' : 'ENCRYPT_DECRYPT',
      multiRegion: false,
      ...(spec.policy === undefined ? {} : { policy: spec.policy }),
    };
    if (key.keyState === 'PendingDeletion') key.deletionDate = new Date(this.clock.nowMs() + 30 * DAY_MS);
    this.keys.set(keyId, key);
    if (spec.alias) this.aliases.set(spec.alias, { targetKeyId: keyId, creationDate: this.clock.now() });
    return key;
  }

  /** The AWS-managed key AWS Backup uses when a vault is created without one (made on first use). */
  awsManagedBackupKey(): KmsKey {
    const alias = this.aliases.get(AWS_BACKUP_ALIAS);
    const existing = alias ? this.keys.get(alias.targetKeyId) : undefined;
    return (
      existing ??
      this.addKey({
        keyManager: 'AWS',
        description: 'Default key that protects my backups',
        alias: AWS_BACKUP_ALIAS,
      })
    );
  }

  /** Resolves a key id, key ARN, alias name or alias ARN; undefined when it names nothing here. */
  findKey(reference: string): KmsKey | undefined {
    const aliasArn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(alias\/.+)$/.exec(reference);
    if (aliasArn) {
      if (aliasArn[1] !== this.region || aliasArn[2] !== this.accountId) return undefined;
      return this.findKey(aliasArn[3] as string);
    }
    if (reference.startsWith('alias/')) {
      if (reference === AWS_BACKUP_ALIAS) return this.awsManagedBackupKey();
      const alias = this.aliases.get(reference);
      return alias ? this.keys.get(alias.targetKeyId) : undefined;
    }
    const keyArn = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):key\/(.+)$/.exec(reference);
    if (keyArn) {
      const key = this.keys.get(keyArn[3] as string);
      // A key ARN names its Region: a key of another Region is not found through this endpoint.
      return key && key.arn === reference && keyArn[1] === this.region ? key : undefined;
    }
    const key = this.keys.get(reference);
    return key && key.region === this.region ? key : undefined;
  }

  /**
   * The key's policy. A key created without one gets KMS's default key policy, which only lets the
   * account's IAM policies grant its use; an AWS-managed key lets every principal of the account use
   * it through the service that owns it (here AWS Backup) and read its metadata directly.
   */
  keyPolicy(key: KmsKey): string {
    if (key.policy !== undefined) return key.policy;
    const root = `arn:aws:iam::${key.accountId}:root`;
    if (key.keyManager === 'AWS') {
      return JSON.stringify({
        Version: '2012-10-17',
        Id: 'auto-backup-1',
        Statement: [
          {
            Sid: 'Allow access through Backup for all principals in the account that are authorized to use Backup',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: [
              'kms:CreateGrant',
              'kms:Decrypt',
              'kms:GenerateDataKey*',
              'kms:DescribeKey',
              'kms:RetireGrant',
            ],
            Resource: '*',
            Condition: {
              StringEquals: {
                'kms:CallerAccount': key.accountId,
                'kms:ViaService': `backup.${key.region}.amazonaws.com`,
              },
            },
          },
          {
            Sid: 'Allow direct access to key metadata to the account',
            Effect: 'Allow',
            Principal: { AWS: root },
            Action: ['kms:Describe*', 'kms:Get*', 'kms:List*', 'kms:RevokeGrant'],
            Resource: '*',
          },
        ],
      });
    }
    return JSON.stringify({
      Version: '2012-10-17',
      Id: 'key-default-1',
      Statement: [
        {
          Sid: 'Enable IAM User Permissions',
          Effect: 'Allow',
          Principal: { AWS: root },
          Action: 'kms:*',
          Resource: '*',
        },
      ],
    });
  }

  /** Replaces a key's policy (PutKeyPolicy, or a test). */
  setKeyPolicy(reference: string, policy: string): KmsKey {
    const key = this.requireKey({ KeyId: reference });
    try {
      JSON.parse(policy);
    } catch {
      throw new AwsError('MalformedPolicyDocumentException', 'The key policy is not valid JSON');
    }
    key.policy = policy;
    return key;
  }

  private requireKey(body: Json): KmsKey {
    const keyId = body.KeyId;
    if (typeof keyId !== 'string' || keyId === '') throw kmsValidation('KeyId is required');
    const key = this.findKey(keyId);
    if (!key) {
      const name =
        keyId.startsWith('alias/') || keyId.includes(':alias/') ? `Alias ${keyId}` : `Key '${keyId}'`;
      throw kmsNotFound(`${name} does not exist`);
    }
    return key;
  }

  metadata(key: KmsKey) {
    return {
      AWSAccountId: key.accountId,
      KeyId: key.keyId,
      Arn: key.arn,
      CreationDate: key.creationDate,
      Enabled: key.keyState === 'Enabled',
      Description: key.description,
      KeyUsage: key.keyUsage,
      KeyState: key.keyState,
      DeletionDate: key.deletionDate,
      Origin: 'AWS_KMS',
      KeyManager: key.keyManager,
      CustomerMasterKeySpec: key.keySpec,
      KeySpec: key.keySpec,
      EncryptionAlgorithms: key.keySpec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : undefined,
      MultiRegion: key.multiRegion,
    };
  }

  /** Runs one KMS operation (the part after `TrentService.` in X-Amz-Target). */
  handle(operation: string, body: Json): unknown {
    switch (operation) {
      case 'DescribeKey':
        return { KeyMetadata: this.metadata(this.requireKey(body)) };
      case 'CreateKey': {
        const keySpec = typeof body.KeySpec === 'string' ? body.KeySpec : 'SYMMETRIC_DEFAULT';
        const description = typeof body.Description === 'string' ? body.Description : '';
        const policy = typeof body.Policy === 'string' ? body.Policy : undefined;
        if (policy !== undefined) {
          try {
            JSON.parse(policy);
          } catch {
            throw new AwsError('MalformedPolicyDocumentException', 'The key policy is not valid JSON');
          }
        }
        return {
          KeyMetadata: this.metadata(this.addKey({ keySpec, description, ...(policy ? { policy } : {}) })),
        };
      }
      case 'GetKeyPolicy':
        return { Policy: this.keyPolicy(this.requireKey(body)), PolicyName: 'default' };
      case 'PutKeyPolicy': {
        if (typeof body.Policy !== 'string') throw kmsValidation('Policy is required');
        this.setKeyPolicy(String(body.KeyId ?? ''), body.Policy);
        return {};
      }
      case 'CreateAlias': {
        const aliasName = body.AliasName;
        if (typeof aliasName !== 'string' || !/^alias\/[a-zA-Z0-9/_-]+$/.test(aliasName)) {
          throw kmsValidation(`Invalid AliasName ${JSON.stringify(aliasName)}`);
        }
        if (aliasName.startsWith('alias/aws/'))
          throw kmsValidation('Aliases beginning with alias/aws/ are reserved');
        if (this.aliases.has(aliasName))
          throw kmsAlreadyExists(`An alias with the name ${aliasName} already exists`);
        const key = this.requireKey({ KeyId: body.TargetKeyId });
        this.aliases.set(aliasName, { targetKeyId: key.keyId, creationDate: this.clock.now() });
        return {};
      }
      case 'DeleteAlias': {
        const aliasName = String(body.AliasName ?? '');
        if (!this.aliases.delete(aliasName)) throw kmsNotFound(`Alias ${aliasName} does not exist`);
        return {};
      }
      case 'ListAliases': {
        const filterKey = typeof body.KeyId === 'string' ? this.requireKey(body).keyId : undefined;
        const all = [...this.aliases.entries()].filter(
          ([, alias]) => !filterKey || alias.targetKeyId === filterKey,
        );
        const { page, next } = this.markerPage(all, body);
        return {
          Aliases: page.map(([name, alias]) => ({
            AliasName: name,
            AliasArn: `arn:aws:kms:${this.region}:${this.accountId}:${name}`,
            TargetKeyId: alias.targetKeyId,
            CreationDate: alias.creationDate,
          })),
          Truncated: next !== undefined,
          NextMarker: next,
        };
      }
      case 'ListKeys': {
        const { page, next } = this.markerPage([...this.keys.values()], body);
        return {
          Keys: page.map((key) => ({ KeyId: key.keyId, KeyArn: key.arn })),
          Truncated: next !== undefined,
          NextMarker: next,
        };
      }
      case 'EnableKey':
      case 'DisableKey': {
        const key = this.requireKey(body);
        if (key.keyState === 'PendingDeletion') throw kmsInvalidState(`${key.arn} is pending deletion.`);
        key.keyState = operation === 'EnableKey' ? 'Enabled' : 'Disabled';
        return {};
      }
      case 'ScheduleKeyDeletion': {
        const key = this.requireKey(body);
        if (key.keyManager === 'AWS')
          throw new AwsError('AccessDeniedException', 'AWS managed keys cannot be deleted', 400);
        const days = typeof body.PendingWindowInDays === 'number' ? body.PendingWindowInDays : 30;
        if (days < 7 || days > 30) throw kmsValidation('PendingWindowInDays must be between 7 and 30');
        key.keyState = 'PendingDeletion';
        key.deletionDate = new Date(this.clock.nowMs() + days * DAY_MS);
        return {
          KeyId: key.arn,
          DeletionDate: key.deletionDate,
          KeyState: key.keyState,
          PendingWindowInDays: days,
        };
      }
      case 'CancelKeyDeletion': {
        const key = this.requireKey(body);
        key.keyState = 'Disabled';
        key.deletionDate = undefined;
        return { KeyId: key.arn };
      }
      default:
        throw new AwsError(
          'UnknownOperationException',
          `Operation ${operation} is not supported by this emulator`,
        );
    }
  }

  private markerPage<T>(items: T[], body: Json): { page: T[]; next?: string } {
    const limit = typeof body.Limit === 'number' ? body.Limit : 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw kmsValidation('Limit must be between 1 and 1000');
    const start = typeof body.Marker === 'string' ? Number.parseInt(body.Marker, 10) : 0;
    if (!Number.isInteger(start) || start < 0) throw new AwsError('InvalidMarkerException', 'Invalid marker');
    const page = items.slice(start, start + limit);
    return { page, next: start + limit < items.length ? String(start + limit) : undefined };
  }
}
