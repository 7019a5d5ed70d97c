// Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions uses (AWS-FACTS: local tooling).
const promiseCtor = Promise as unknown as { withResolvers?: unknown };
if (typeof promiseCtor.withResolvers !== 'function') {
  promiseCtor.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
// The SDK clients built by the handlers and tests must never reach for real credentials.
process.env.AWS_ACCESS_KEY_ID ??= 'AKIDLOCALEMULATOR';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local-emulator-secret';
process.env.AWS_REGION ??= 'us-east-1';
// Handlers log through Powertools; tests read state, not logs.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_DEV ??= 'false';
