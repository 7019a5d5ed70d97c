import { Logger } from '@aws-lambda-powertools/logger';

/** The one logger of every Lambda; the handler wrapper keys it by execution and vault. */
export const logger = new Logger({ serviceName: 'backup-vault-migrator' });
