/**
 * AWS Backup's backup plans in the emulator: versions, rule ids kept across versions, soft deletion,
 * and the checks AWS makes of a plan document (rule targets and local copy destinations exist).
 */
import type { SimClock } from './clock.ts';
import { invalidParameter, limitExceeded, notFound } from './errors.ts';
import type { PlanFilter } from './filters.ts';
import type { BackupPlan, BackupPlanDocument, BackupRule, Vault } from './model.ts';
import { paginate } from './pagination.ts';
import type { SeededRandom } from './random.ts';
import type { Json } from './validate.ts';

export class BackupPlans {
  readonly plans = new Map<string, BackupPlan>();

  constructor(
    private readonly settings: { region: string; accountId: string },
    private readonly clock: SimClock,
    private readonly random: SeededRandom,
    private readonly vaults: ReadonlyMap<string, Vault>,
    private readonly vaultByArn: (arn: string) => Vault | undefined,
  ) {}

  private checkPlanDocument(raw: Json | undefined): BackupPlanDocument {
    if (!raw) throw invalidParameter('BackupPlan is required');
    const name = raw.BackupPlanName;
    if (typeof name !== 'string' || !/^[a-zA-Z0-9\-_.]{1,50}$/.test(name)) {
      throw invalidParameter(`Invalid BackupPlanName ${JSON.stringify(name)}`);
    }
    const rules = raw.Rules;
    if (!Array.isArray(rules) || rules.length === 0)
      throw invalidParameter('BackupPlan.Rules must list at least one rule');
    for (const rule of rules as BackupRule[]) {
      if (typeof rule?.RuleName !== 'string' || typeof rule.TargetBackupVaultName !== 'string') {
        throw invalidParameter('Each rule needs RuleName and TargetBackupVaultName');
      }
      if (!this.vaults.has(rule.TargetBackupVaultName)) {
        throw invalidParameter(`Backup vault ${rule.TargetBackupVaultName} does not exist`);
      }
      for (const action of rule.CopyActions ?? []) {
        const arn = action?.DestinationBackupVaultArn;
        if (typeof arn !== 'string' || !arn.includes(':backup-vault:')) {
          throw invalidParameter(`Invalid copy action destination ${String(arn)}`);
        }
        const local = arn.includes(`:${this.settings.region}:${this.settings.accountId}:`);
        if (local && !this.vaultByArn(arn)) throw invalidParameter(`Backup vault ${arn} does not exist`);
      }
    }
    return structuredClone(raw) as unknown as BackupPlanDocument;
  }

  private withRuleIds(document: BackupPlanDocument, previous?: BackupPlanDocument): BackupPlanDocument {
    for (const rule of document.Rules) {
      rule.RuleId =
        previous?.Rules.find((old) => old.RuleName === rule.RuleName)?.RuleId ?? this.random.uuid();
    }
    return document;
  }

  create(raw: Json | undefined, creatorRequestId?: string) {
    if (this.plans.size >= 300) throw limitExceeded('Maximum number of backup plans (300) reached');
    const document = this.withRuleIds(this.checkPlanDocument(raw));
    const id = this.random.uuid();
    const plan: BackupPlan = {
      id,
      arn: `arn:aws:backup:${this.settings.region}:${this.settings.accountId}:backup-plan:${id}`,
      creationDate: this.clock.now(),
      creatorRequestId,
      versions: [{ versionId: this.versionId(), document, creationDate: this.clock.now() }],
    };
    this.plans.set(id, plan);
    return this.planSummary(plan);
  }

  private versionId(): string {
    return `${this.random.hex(8)}-${this.random.hex(4)}-${this.random.hex(4)}-${this.random.hex(4)}-${this.random.hex(12)}`;
  }

  private getPlan(id: string): BackupPlan {
    const plan = this.plans.get(id);
    if (!plan || plan.deletionDate) throw notFound(`Backup plan ${id} not found`);
    return plan;
  }

  private planSummary(plan: BackupPlan) {
    const latest = plan.versions.at(-1);
    return {
      BackupPlanId: plan.id,
      BackupPlanArn: plan.arn,
      CreationDate: latest?.creationDate ?? plan.creationDate,
      VersionId: latest?.versionId,
    };
  }

  list(filter: PlanFilter, limit: number) {
    const plans = [...this.plans.values()].filter((plan) => filter.includeDeleted || !plan.deletionDate);
    const page = paginate(plans, filter.nextToken, limit, (plan) => plan.id);
    return {
      BackupPlansList: page.items.map((plan) => {
        const latest = plan.versions.at(-1);
        return {
          BackupPlanArn: plan.arn,
          BackupPlanId: plan.id,
          CreationDate: plan.creationDate,
          DeletionDate: plan.deletionDate,
          VersionId: latest?.versionId,
          BackupPlanName: latest?.document.BackupPlanName,
          CreatorRequestId: plan.creatorRequestId,
        };
      }),
      NextToken: page.nextToken,
    };
  }

  get(id: string, versionId?: string | null) {
    const plan = this.plans.get(id);
    if (!plan) throw notFound(`Backup plan ${id} not found`);
    const version = versionId ? plan.versions.find((v) => v.versionId === versionId) : plan.versions.at(-1);
    if (!version) throw notFound(`Version ${versionId} of backup plan ${id} not found`);
    return {
      BackupPlan: version.document,
      BackupPlanId: plan.id,
      BackupPlanArn: plan.arn,
      VersionId: version.versionId,
      CreatorRequestId: plan.creatorRequestId,
      CreationDate: version.creationDate,
      DeletionDate: plan.deletionDate,
    };
  }

  update(id: string, raw: Json | undefined) {
    const plan = this.getPlan(id);
    if (plan.versions.length >= 2000) throw limitExceeded(`Backup plan ${id} has reached 2,000 versions`);
    const document = this.withRuleIds(this.checkPlanDocument(raw), plan.versions.at(-1)?.document);
    plan.versions.push({ versionId: this.versionId(), document, creationDate: this.clock.now() });
    return this.planSummary(plan);
  }

  delete(id: string) {
    const plan = this.getPlan(id);
    plan.deletionDate = this.clock.now();
    const summary = this.planSummary(plan);
    return { ...summary, DeletionDate: plan.deletionDate };
  }
}
