// The SDK clients built by the handlers and tests must never reach for real credentials.
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDLOCALEMULATOR';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local-emulator-secret';
process.env.AWS_REGION ??= 'us-east-1';
// Handlers log through Powertools; tests read state, not logs.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_DEV ??= 'false';
