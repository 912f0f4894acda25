/*
 * What the shared contract suites (transport, registry) have in common: the instances a test
 * creates, disposed of after it, names no other test uses, and waiting for a condition.
 */

/** Creates instances of the implementation under test; `dispose` ends those of one test (default: close each). */
export interface ContractInstances<T extends { close(): Promise<void> }> {
  create(): Promise<T>;
  dispose?(instances: T[]): Promise<void>;
}

/**
 * Call inside a suite's `describe`: returns `make`, which creates an instance that is disposed of
 * after the test that made it.
 */
export function instancesPerTest<T extends { close(): Promise<void> }>(
  options: ContractInstances<T>,
): () => Promise<T> {
  let created: T[] = [];
  afterEach(async () => {
    const all = created;
    created = [];
    if (options.dispose) await options.dispose(all);
    else for (const instance of all) await instance.close();
  });
  return async () => {
    const instance = await options.create();
    created.push(instance);
    return instance;
  };
}

/** Polls `check` every 5 ms until it holds; fails naming `what` after `ms`. */
export async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A generator of names unique to this OS process: `<prefix><pid>x<time>x<n>`, safe as subject tokens. */
export function uniqueNames(prefix: string): () => string {
  let unique = 0;
  return () => `${prefix}${process.pid}x${Date.now().toString(36)}x${unique++}`;
}
