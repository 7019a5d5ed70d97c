/**
 * The report's notification on REPORT_TOPIC_ARN: the summary an operator reads first, with the
 * outcome as a message attribute so that subscriptions can filter (e.g. only FAILED).
 */
import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns';
import type { ReportResult } from '#shared/contracts.ts';

/** SNS subjects: at most 100 characters, no line breaks or control characters. */
export const SUBJECT_MAX = 100;

/** SNS messages are at most 256 KiB; the summary stays far below, a cap keeps it so. */
export const MESSAGE_MAX = 200_000;

export function notificationFor(
  topicArn: string,
  result: ReportResult,
  summaryText: string,
): PublishCommandInput {
  const vault = result.sourceVaultName ?? 'unknown vault';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed.
  const subject = `Backup vault migration ${result.outcome}: ${vault}`.replace(/[\u0000-\u001f\u007f]/g, ' ');
  const message = `${summaryText}\nReport: ${result.reportLocation.json}\nCSV: ${result.reportLocation.csv}\n`;
  return {
    TopicArn: topicArn,
    Subject: subject.length > SUBJECT_MAX ? `${subject.slice(0, SUBJECT_MAX - 3)}...` : subject,
    Message: message.length > MESSAGE_MAX ? `${message.slice(0, MESSAGE_MAX - 3)}...` : message,
    MessageAttributes: {
      outcome: { DataType: 'String', StringValue: result.outcome },
      ...(result.sourceVaultName
        ? { sourceVaultName: { DataType: 'String', StringValue: result.sourceVaultName } }
        : {}),
    },
  };
}

export async function notifyReport(
  client: SNSClient,
  topicArn: string,
  result: ReportResult,
  summaryText: string,
): Promise<void> {
  await client.send(new PublishCommand(notificationFor(topicArn, result, summaryText)));
}
