import type { BackupService } from './backup-service.ts';
import { DAY_MS, type SimClock } from './clock.ts';
import { invalidParameter } from './errors.ts';
import { AWS_BACKUP_ALIAS, type KmsService } from './kms-service.ts';
import {
  type KeyState,
  type Lifecycle,
  RESOURCE_TYPES,
  type RecoveryPoint,
  type RecoveryPointStatus,
  type StorageClass,
  type VaultType,
} from './model.ts';
import type { SeededRandom } from './random.ts';

/** A key to create. `alias` names it for the rest of the seed. */
export interface KeySeed {
  alias?: string;
  keyManager?: 'AWS' | 'CUSTOMER';
  keyState?: KeyState;
  keySpec?: string;
  region?: string;
  description?: string;
}

/** One recovery point; everything but the type has a realistic default. */
export interface RecoveryPointSeed {
  resourceType: string;
  /** Several recovery points of one resource share it (one copy at a time per resource). */
  resourceId?: string;
  createdDaysAgo?: number;
  sizeBytes?: number;
  status?: RecoveryPointStatus;
  storageClass?: StorageClass;
  /** Whether the backup itself is encrypted; for non-managed types it follows the source resource. */
  encrypted?: boolean;
  /** Key reference (alias, ARN, 'aws-managed') for encrypted recovery points; defaults to the vault's key. */
  encryptionKey?: string;
  lifecycle?: Lifecycle;
  legalHold?: boolean;
  continuous?: boolean;
  /** DynamoDB only: taken with advanced backup (managed by AWS Backup, ARN of service `backup`). */
  dynamoDbAdvanced?: boolean;
  /** Makes a composite parent with this many member recovery points. */
  compositeMembers?: number;
  backupPlanId?: string;
  arn?: string;
  /** The backed-up resource's ARN (default: one of the type's usual shape), e.g. a Redshift Serverless namespace. */
  resourceArn?: string;
}

/** Many recovery points with a type mix, grouped `perResource` to a resource. */
export interface GeneratedRecoveryPoints {
  count: number;
  /** Resource type to weight; defaults to the benchmark's EBS 40 / RDS 20 / EFS 15 / S3 10 / DynamoDB 10 / Aurora 5. */
  mix?: Record<string, number>;
  perResource?: number;
  /** Share of non-managed resources whose backups are unencrypted (0..1). */
  unencryptedShare?: number;
  /** Retention in days given to every generated recovery point (created up to this many days ago). */
  retentionDays?: number;
  maxAgeDays?: number;
}

export interface VaultSeed {
  name: string;
  /**
   * A vault AWS itself created (`aws/efs/automatic-backup-vault`), whose name CreateBackupVault
   * would refuse: the name check is skipped.
   */
  serviceOwned?: boolean;
  /** 'none' (the Prowler finding), 'aws-managed' (alias/aws/backup), or a key alias/ARN from the seed. */
  encryptionKey?: string;
  vaultType?: VaultType;
  tags?: Record<string, string>;
  accessPolicy?: string | Record<string, unknown>;
  notifications?: { snsTopicArn: string; events: string[] };
  lock?: { minRetentionDays?: number; maxRetentionDays?: number; changeableForDays?: number };
  recoveryPoints?: RecoveryPointSeed[];
  generate?: GeneratedRecoveryPoints;
}

export interface PlanSeed {
  name: string;
  rules: Array<{
    ruleName: string;
    targetVault: string;
    schedule?: string;
    lifecycle?: Lifecycle;
    /** Vault names (this account and Region) or vault ARNs. */
    copyTo?: string[];
  }>;
}

export interface SeedSpec {
  keys?: KeySeed[];
  vaults?: VaultSeed[];
  plans?: PlanSeed[];
}

export const DEFAULT_TYPE_MIX: Readonly<Record<string, number>> = {
  EBS: 40,
  RDS: 20,
  EFS: 15,
  S3: 10,
  DynamoDB: 10,
  Aurora: 5,
};

const BACKUP_ROLE = (accountId: string) =>
  `arn:aws:iam::${accountId}:role/service-role/AWSBackupDefaultServiceRole`;

/** Fills the emulator from a seed description; returns the created plan ids by name. */
export class Seeder {
  private resourceCounter = 0;

  constructor(
    private readonly backup: BackupService,
    private readonly kms: KmsService,
    private readonly clock: SimClock,
    private readonly random: SeededRandom,
  ) {}

  apply(spec: SeedSpec): Record<string, string> {
    for (const key of spec.keys ?? []) this.kms.addKey(key);
    for (const vault of spec.vaults ?? []) this.addVault(vault);
    const planIds: Record<string, string> = {};
    for (const plan of spec.plans ?? []) planIds[plan.name] = this.addPlan(plan);
    return planIds;
  }

  resolveKeyArn(reference: string | undefined): string | undefined {
    if (reference === undefined || reference === 'none') return undefined;
    if (reference === 'aws-managed') return this.kms.awsManagedBackupKey().arn;
    const key = this.kms.findKey(reference === 'aws/backup' ? AWS_BACKUP_ALIAS : reference);
    if (!key) throw invalidParameter(`Seed names KMS key ${reference}, which does not exist`);
    return key.arn;
  }

  addVault(seed: VaultSeed): void {
    const vault = this.backup.addVault({
      name: seed.name,
      encryptionKeyArn: this.resolveKeyArn(seed.encryptionKey),
      vaultType: seed.vaultType,
      tags: seed.tags,
      ...(seed.serviceOwned ? { serviceOwned: true } : {}),
    });
    if (seed.accessPolicy !== undefined) {
      vault.accessPolicy =
        typeof seed.accessPolicy === 'string' ? seed.accessPolicy : JSON.stringify(seed.accessPolicy);
    }
    if (seed.notifications) vault.notifications = { ...seed.notifications };
    if (seed.lock) {
      const { minRetentionDays, maxRetentionDays, changeableForDays } = seed.lock;
      vault.lock = {
        minRetentionDays,
        maxRetentionDays,
        lockDate:
          changeableForDays === undefined
            ? undefined
            : new Date(this.clock.nowMs() + changeableForDays * DAY_MS),
      };
    }
    for (const recoveryPoint of seed.recoveryPoints ?? []) this.addRecoveryPoint(seed.name, recoveryPoint);
    if (seed.generate) this.generate(seed.name, seed.generate);
  }

  addRecoveryPoint(vaultName: string, seed: RecoveryPointSeed, parentArn?: string): RecoveryPoint {
    const vault = this.backup.getVault(vaultName);
    const traits = RESOURCE_TYPES[seed.resourceType];
    if (!traits) throw invalidParameter(`Unknown resource type ${seed.resourceType}`);
    const { region, accountId } = this.backup.settings;
    // Held by AWS Backup itself (ARN of service backup): encrypted with the vault's key. CloudFormation
    // templates are, without the type being fully managed (its members follow their own types).
    const managed =
      traits.arnKind === 'backup' ||
      (seed.resourceType === 'DynamoDB' && (seed.dynamoDbAdvanced ?? true) === true);
    const resourceId =
      seed.resourceId ?? `${seed.resourceType.toLowerCase().replace(/\s+/g, '-')}-${++this.resourceCounter}`;
    const created = new Date(this.clock.nowMs() - (seed.createdDaysAgo ?? 1) * DAY_MS);
    // Managed types are encrypted with the vault's key; others as their source resource is.
    const encrypted = managed ? vault.encryptionKeyArn !== undefined : (seed.encrypted ?? true);
    const keyArn = encrypted
      ? managed
        ? vault.encryptionKeyArn
        : (this.resolveKeyArn(seed.encryptionKey) ?? this.kms.awsManagedBackupKey().arn)
      : undefined;
    const recoveryPoint: RecoveryPoint = {
      seq: 0,
      arn:
        seed.arn ??
        this.backup.newRecoveryPointArn(seed.resourceType, {
          managedByBackup: managed,
          continuous: seed.continuous,
        }),
      vaultName,
      resourceArn: seed.resourceArn ?? resourceArnFor(seed.resourceType, resourceId, region, accountId),
      resourceType: seed.resourceType,
      resourceName: resourceId,
      creationDate: created,
      completionDate: new Date(created.getTime() + 20 * 60_000),
      status: seed.status ?? (seed.continuous ? 'AVAILABLE' : 'COMPLETED'),
      storageClass: seed.storageClass,
      isEncrypted: encrypted,
      encryptionKeyArn: keyArn,
      backupSizeInBytes: seed.sizeBytes ?? this.random.int(1, 500) * 1024 ** 3,
      lifecycle: seed.lifecycle,
      iamRoleArn: BACKUP_ROLE(accountId),
      createdBy: seed.backupPlanId ? { BackupPlanId: seed.backupPlanId } : undefined,
      parentRecoveryPointArn: parentArn,
      isParent: (seed.compositeMembers ?? 0) > 0,
      compositeMemberIdentifier: parentArn ? `member-${this.random.hex(6)}` : undefined,
      isContinuous: seed.continuous ?? false,
      legalHold: seed.legalHold ?? false,
    };
    this.backup.insertRecoveryPoint(vault, recoveryPoint);
    for (let index = 0; index < (seed.compositeMembers ?? 0); index++) {
      this.addRecoveryPoint(
        vaultName,
        {
          ...seed,
          compositeMembers: 0,
          resourceId: `${resourceId}-member-${index}`,
          arn: undefined,
          resourceArn: undefined,
        },
        recoveryPoint.arn,
      );
    }
    return recoveryPoint;
  }

  /**
   * Daily backups of a set of resources, inserted oldest first as AWS would have made them: the
   * resources' backups interleave in time, and no two backups of one resource share a creation time.
   */
  generate(vaultName: string, spec: GeneratedRecoveryPoints): void {
    const mix = Object.entries(spec.mix ?? DEFAULT_TYPE_MIX);
    const totalWeight = mix.reduce((sum, [, weight]) => sum + weight, 0);
    const perResource = Math.max(1, spec.perResource ?? 5);
    const retentionDays = spec.retentionDays ?? 365;
    const maxAge = Math.max(perResource + 1, Math.min(spec.maxAgeDays ?? 180, retentionDays - 1));
    const planned: Array<RecoveryPointSeed & { createdMsAgo: number }> = [];
    for (let first = 0; first < spec.count; first += perResource) {
      let draw = this.random.next() * totalWeight;
      let resourceType = mix[0]?.[0] ?? 'EBS';
      for (const [type, weight] of mix) {
        resourceType = type;
        draw -= weight;
        if (draw < 0) break;
      }
      const resourceId = `${resourceType.toLowerCase().replace(/\s+/g, '-')}-${++this.resourceCounter}`;
      const encrypted = !this.random.chance(spec.unencryptedShare ?? 0.2);
      const newestDay = this.random.int(1, maxAge - perResource);
      const minuteOfDay = this.random.int(0, 24 * 60 - 1);
      for (let index = 0; index < perResource && first + index < spec.count; index++) {
        planned.push({
          resourceType,
          resourceId,
          encrypted,
          createdMsAgo: (newestDay + index) * DAY_MS - minuteOfDay * 60_000,
          lifecycle: { DeleteAfterDays: retentionDays },
          sizeBytes: this.random.int(1, 200) * 1024 ** 3,
        });
      }
    }
    planned.sort((a, b) => b.createdMsAgo - a.createdMsAgo);
    for (const { createdMsAgo, ...seed } of planned) {
      this.addRecoveryPoint(vaultName, { ...seed, createdDaysAgo: createdMsAgo / DAY_MS });
    }
  }

  addPlan(seed: PlanSeed): string {
    const { region, accountId } = this.backup.settings;
    const result = this.backup.createBackupPlan({
      BackupPlanName: seed.name,
      Rules: seed.rules.map((rule) => ({
        RuleName: rule.ruleName,
        TargetBackupVaultName: rule.targetVault,
        ScheduleExpression: rule.schedule ?? 'cron(0 5 ? * * *)',
        Lifecycle: rule.lifecycle,
        CopyActions: rule.copyTo?.map((destination) => ({
          DestinationBackupVaultArn: destination.startsWith('arn:')
            ? destination
            : `arn:aws:backup:${region}:${accountId}:backup-vault:${destination}`,
          Lifecycle: rule.lifecycle,
        })),
      })),
    });
    return result.BackupPlanId;
  }
}

export function resourceArnFor(type: string, id: string, region: string, accountId: string): string {
  switch (type) {
    case 'EBS':
      return `arn:aws:ec2:${region}:${accountId}:volume/vol-${id}`;
    case 'EC2':
      return `arn:aws:ec2:${region}:${accountId}:instance/i-${id}`;
    case 'RDS':
      return `arn:aws:rds:${region}:${accountId}:db:${id}`;
    case 'Aurora':
    case 'DocumentDB':
    case 'Neptune':
      return `arn:aws:rds:${region}:${accountId}:cluster:${id}`;
    case 'DynamoDB':
      return `arn:aws:dynamodb:${region}:${accountId}:table/${id}`;
    case 'EFS':
      return `arn:aws:elasticfilesystem:${region}:${accountId}:file-system/fs-${id}`;
    case 'S3':
      return `arn:aws:s3:::${id}`;
    case 'FSx':
      return `arn:aws:fsx:${region}:${accountId}:file-system/fs-${id}`;
    case 'Redshift':
      return `arn:aws:redshift:${region}:${accountId}:cluster:${id}`;
    case 'Storage Gateway':
      return `arn:aws:storagegateway:${region}:${accountId}:gateway/sgw-${id}/volume/vol-${id}`;
    case 'VirtualMachine':
      return `arn:aws:backup-gateway:${region}:${accountId}:vm/vm-${id}`;
    case 'Timestream':
      return `arn:aws:timestream:${region}:${accountId}:database/db/table/${id}`;
    case 'CloudFormation':
      return `arn:aws:cloudformation:${region}:${accountId}:stack/${id}/${id}`;
    case 'EKS':
      return `arn:aws:eks:${region}:${accountId}:cluster/${id}`;
    case 'AuroraDSQL':
      return `arn:aws:dsql:${region}:${accountId}:cluster/${id}`;
    default:
      return `arn:aws:ssm-sap:${region}:${accountId}:HANA/${id}`;
  }
}
