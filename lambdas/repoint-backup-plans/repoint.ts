/**
 * Rewrites a backup plan so that nothing it does lands in the source vault any more: rules that
 * back up into the source back up into the target, copy actions into the source copy into the
 * target. Pure: the handler reads and writes the plans.
 */
import type { BackupPlan, BackupPlanInput, BackupRuleInput, CopyAction } from '@aws-sdk/client-backup';

/** A copy action the repoint removed rather than rewrote. */
export interface DroppedCopyAction {
  ruleName: string;
  /** Where the copy action sent copies before the repoint. */
  destinationBackupVaultArn: string;
}

export interface RepointedPlan {
  /** The whole plan as UpdateBackupPlan takes it (rules without RuleId). */
  document: BackupPlanInput;
  rulesRepointed: number;
  copyActionsRepointed: number;
  /**
   * Copy actions that would have copied into the vault their own rule now backs up into: a rule
   * repointed to the target that also copied to the target, or a copy into the source from a
   * rule that already backed up into the target.
   */
  droppedSelfCopies: DroppedCopyAction[];
  /** Repointed copy actions that would have duplicated a copy action already naming the target. */
  droppedDuplicateCopies: DroppedCopyAction[];
}

export interface VaultPair {
  sourceVaultName: string;
  sourceVaultArn: string;
  targetVaultName: string;
  targetVaultArn: string;
}

/** Whether the repoint changes anything in the plan. */
export function isChanged(repointed: RepointedPlan): boolean {
  return (
    repointed.rulesRepointed > 0 ||
    repointed.copyActionsRepointed > 0 ||
    repointed.droppedSelfCopies.length > 0 ||
    repointed.droppedDuplicateCopies.length > 0
  );
}

/**
 * The plan document with the source replaced by the target.
 *
 * The document is what GetBackupPlan returned, sent back whole: every field UpdateBackupPlan
 * accepts is kept as it was (BackupRuleInput is BackupRule without RuleId; AWS keeps a rule's
 * id by its name), so only the vault references change. A plan that names neither vault comes
 * back unchanged, which makes the repoint idempotent.
 */
export function repointPlanDocument(
  plan: BackupPlan,
  sourceVaultName: string,
  sourceVaultArn: string,
  targetVaultName: string,
  targetVaultArn: string,
): RepointedPlan {
  let rulesRepointed = 0;
  let copyActionsRepointed = 0;
  const droppedSelfCopies: DroppedCopyAction[] = [];
  const droppedDuplicateCopies: DroppedCopyAction[] = [];

  const { Rules: rules = [], ...planFields } = plan;
  const repointedRules = rules.map((rule): BackupRuleInput => {
    const { RuleId: _ruleId, CopyActions: copyActions, ...ruleFields } = rule;
    const ruleName = rule.RuleName ?? '';
    const ruleRepointed = rule.TargetBackupVaultName === sourceVaultName;
    if (ruleRepointed) rulesRepointed += 1;
    const backsUpIntoTarget =
      (ruleRepointed ? targetVaultName : rule.TargetBackupVaultName) === targetVaultName;

    const keptDestinations = new Set(
      (copyActions ?? [])
        .map((action) => action.DestinationBackupVaultArn)
        .filter((arn) => arn !== sourceVaultArn && !(backsUpIntoTarget && arn === targetVaultArn)),
    );
    const repointedCopyActions: CopyAction[] = [];
    for (const action of copyActions ?? []) {
      const destination = action.DestinationBackupVaultArn ?? '';
      const copiesIntoSource = destination === sourceVaultArn;
      const newDestination = copiesIntoSource ? targetVaultArn : destination;
      if (backsUpIntoTarget && newDestination === targetVaultArn && (copiesIntoSource || ruleRepointed)) {
        droppedSelfCopies.push({ ruleName, destinationBackupVaultArn: destination });
        continue;
      }
      if (copiesIntoSource && keptDestinations.has(targetVaultArn)) {
        droppedDuplicateCopies.push({ ruleName, destinationBackupVaultArn: destination });
        continue;
      }
      if (copiesIntoSource) {
        copyActionsRepointed += 1;
        keptDestinations.add(targetVaultArn);
        repointedCopyActions.push({ ...action, DestinationBackupVaultArn: targetVaultArn });
      } else {
        repointedCopyActions.push(action);
      }
    }

    const input: BackupRuleInput = {
      ...ruleFields,
      RuleName: rule.RuleName,
      TargetBackupVaultName: ruleRepointed ? targetVaultName : rule.TargetBackupVaultName,
    };
    // Left out when it was absent, so that a rule the repoint does not touch goes back exactly as read.
    if (copyActions !== undefined) input.CopyActions = repointedCopyActions;
    return input;
  });

  return {
    document: { ...planFields, BackupPlanName: plan.BackupPlanName, Rules: repointedRules },
    rulesRepointed,
    copyActionsRepointed,
    droppedSelfCopies,
    droppedDuplicateCopies,
  };
}
