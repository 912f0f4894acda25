import { validateName } from '../../wire/names';

/*
 * Every KV bucket name and key of the registry is built here (the registry reads and writes
 * them; the nats-server permissions of an application are cut along them). Names never contain
 * '.', so '.' separates the application from the process or host, and `<app>.>` selects
 * everything of one application.
 */

/** The registry's buckets: applications, processes, runtime hosts. */
export type RegistryBucketKind = 'apps' | 'processes' | 'hosts';

/** The default prefix of the registry's (and the timer store's) bucket names. */
export const DEFAULT_BUCKET_PREFIX = 'praas_';

/** The name of one of the registry's buckets. */
export const registryBucketName = (prefix: string, kind: RegistryBucketKind): string => `${prefix}${kind}`;
/** The key of an application's record in the `apps` bucket. */
export const appKey = (app: string): string => validateName('application', app);
/** The key of a process record in the `processes` bucket. */
export const processKey = (app: string, pid: string): string =>
  `${validateName('application', app)}.${validateName('pid', pid)}`;
/** The key of a host record in the `hosts` bucket. */
export const hostKey = (app: string, id: string): string =>
  `${validateName('application', app)}.${validateName('host id', id)}`;
/** The keys of one application in the `processes` and `hosts` buckets. */
export const keysOf = (app: string): string => `${validateName('application', app)}.>`;
