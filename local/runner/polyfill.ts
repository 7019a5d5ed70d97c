// aws-local-stepfunctions uses Promise.withResolvers (Node 22); Node 20 needs it supplied.
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
