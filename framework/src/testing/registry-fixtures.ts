import type { ProcessRecord, Registry } from '../registry/registry';
import { uniqueNames } from './contract-support';

/** Creates a registry for the running test (see `instancesPerTest`). */
export type MakeRegistry = () => Promise<Registry>;

/** A fresh application name per test, so tests sharing one registry never see each other's records. */
export const appName = uniqueNames('rc');

export const processRecord = (app: string, pid: string, overrides: Partial<ProcessRecord> = {}): ProcessRecord => ({
  app,
  pid,
  processClass: 'Counter',
  status: 'active',
  host: 'host-1',
  generation: 0,
  updatedAt: Date.now(),
  ...overrides,
});

export const byPid = (a: { pid: string }, b: { pid: string }): number => a.pid.localeCompare(b.pid);
