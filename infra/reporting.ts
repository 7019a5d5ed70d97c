import { ArnFormat, Duration, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

export interface OperationsKeyProps {
  /** What happens to the key when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The customer-managed key for what the migrator writes about itself: the Lambdas' and state
 * machines' logs, the reports and the notifications. Separate from the migration key, whose
 * policy lets AWS Backup alone use it. CloudWatch Logs may use it only for this account's log
 * groups, CloudWatch only to publish alarms to the (encrypted) topic.
 */
export class OperationsKey extends Construct {
  public readonly key: kms.Key;

  constructor(scope: Construct, id: string, props: OperationsKeyProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.key = new kms.Key(this, 'Key', {
      description: 'Encrypts the logs, reports and notifications of backup-vault-migrator',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
      pendingWindow: Duration.days(30),
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchLogsForThisAccountsLogGroups',
        principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
        actions: [
          'kms:Encrypt',
          'kms:Decrypt',
          'kms:ReEncryptFrom',
          'kms:ReEncryptTo',
          'kms:GenerateDataKey',
          'kms:DescribeKey',
        ],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': stack.formatArn({
              service: 'logs',
              resource: 'log-group',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublishToTheTopic',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
  }
}

export interface ReportBucketProps {
  /** Encrypts the reports (SSE-KMS with a bucket key). */
  readonly encryptionKey: kms.IKey;
  /**
   * How long a report is kept.
   * @default reports are kept until deleted
   */
  readonly reportExpiration?: Duration;
  /** What happens to the bucket when the stack is deleted. */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Where the reports go: private, TLS only, encrypted with the operations key, versioned (a
 * report is evidence: an overwrite keeps the earlier version for a while).
 */
export class ReportBucket extends Construct {
  public readonly bucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: ReportBucketProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.encryptionKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: props.removalPolicy,
      lifecycleRules: [
        {
          id: 'tidy-up',
          abortIncompleteMultipartUploadAfter: Duration.days(7),
          noncurrentVersionExpiration: Duration.days(90),
          ...(props.reportExpiration === undefined ? {} : { expiration: props.reportExpiration }),
        },
      ],
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Only the write-report Lambda writes to this bucket, and its calls are in CloudTrail; server ' +
        'access logs would need a second bucket and add no information about who wrote a report.',
    });
  }
}

export interface ReportTopicProps {
  /** Encrypts the messages at rest. */
  readonly encryptionKey: kms.IKey;
  /**
   * An address that receives every report summary and alarm.
   * @default no subscription
   */
  readonly notificationEmail?: string;
}

/**
 * The topic that announces each report and each alarm: encrypted with the operations key,
 * TLS only, and open to CloudWatch alarms of this account.
 */
export class ReportTopic extends Construct {
  public readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: ReportTopicProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.topic = new sns.Topic(this, 'Topic', {
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'AllowThisAccountsAlarms',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: {
            'aws:SourceArn': stack.formatArn({
              service: 'cloudwatch',
              resource: 'alarm',
              resourceName: '*',
              arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            }),
          },
        },
      }),
    );
    if (props.notificationEmail !== undefined) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.notificationEmail));
    }
  }
}
