import { packBundle } from '@praas/framework/internal';
import type { BundleStore } from '../../src/bundles/bundle-store';

/** A bundle store for unit tests: keeps the bundles in memory, by key, for the test to look at. */
export class MemoryBundleStore implements BundleStore {
  readonly objects = new Map<string, Uint8Array>();
  put(key: string, data: Uint8Array): Promise<void> {
    this.objects.set(key, data);
    return Promise.resolve();
  }
  deletePrefix(prefix: string): Promise<void> {
    for (const key of [...this.objects.keys()]) if (key.startsWith(prefix)) this.objects.delete(key);
    return Promise.resolve();
  }
  describe(): string {
    return 'memory';
  }
}

/** A code bundle of version 1.0.0 of `app` declaring the process `classes` (a one-line module). */
export function bundleOf(app: string, classes = ['Counter']): Uint8Array {
  return packBundle({
    manifest: { app, version: '1.0.0', module: 'dist/index.js', processes: classes.map((name) => ({ name })) },
    files: new Map([['dist/index.js', Buffer.from('exports.x = 1;')]]),
  });
}
