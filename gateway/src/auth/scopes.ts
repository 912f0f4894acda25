import { InvalidArgumentError, isValidName } from '@praas/framework';

/**
 * What a token may do with one application. `read` is the read-only variant: the application's
 * record, its processes and their watch. `processes` manages processes (create, swap, delete) and
 * includes `read`, but not inspecting their state: that takes `admin`; `invoke` and `send` call functions and post messages; `deploy` uploads code
 * versions of that application. `*` is all of them.
 */
export const APP_RIGHTS = ['read', 'processes', 'invoke', 'send', 'deploy'] as const;
export type AppRight = (typeof APP_RIGHTS)[number];

/**
 * A scope as written in a token file:
 * - `admin`: everything, including creating, listing and deleting applications;
 * - `metrics`: `GET /metrics` (when the gateway protects it);
 * - `app:<name>:<right>`: one {@link AppRight} on one application, `app:<name>:*` all of them.
 */
export type Scope = string;

/** What a set of scopes grants, parsed once when the token file is read. */
export interface Grants {
  readonly admin: boolean;
  readonly metrics: boolean;
  /** Rights per application. */
  readonly apps: ReadonlyMap<string, ReadonlySet<AppRight>>;
}

const SCOPE_HELP =
  "a scope is 'admin', 'metrics', or 'app:<name>:<right>' with right one of * read processes invoke send deploy";

/**
 * Parses scopes into grants.
 * @throws InvalidArgumentError naming the first scope that is not one of the forms above.
 */
export function parseScopes(scopes: readonly string[]): Grants {
  let admin = false;
  let metrics = false;
  const apps = new Map<string, Set<AppRight>>();
  for (const scope of scopes) {
    if (scope === 'admin') admin = true;
    else if (scope === 'metrics') metrics = true;
    else {
      const parts = scope.split(':');
      const [kind, app, right] = parts;
      if (parts.length !== 3 || kind !== 'app' || !isValidName(app!))
        throw new InvalidArgumentError(`scope '${scope}' is not valid: ${SCOPE_HELP}`, { scope });
      const rights = apps.get(app) ?? new Set<AppRight>();
      if (right === '*') APP_RIGHTS.forEach((r) => rights.add(r));
      else if ((APP_RIGHTS as readonly string[]).includes(right!)) rights.add(right as AppRight);
      else throw new InvalidArgumentError(`scope '${scope}' is not valid: ${SCOPE_HELP}`, { scope });
      // Managing processes means seeing them.
      if (rights.has('processes')) rights.add('read');
      apps.set(app, rights);
    }
  }
  return { admin, metrics, apps };
}

/** Whether the grants hold `right` on `app` (admin holds every right). */
export function allows(grants: Grants, app: string, right: AppRight): boolean {
  return grants.admin || grants.apps.get(app)?.has(right) === true;
}

/** Whether the grants hold any right on `app`: what makes it show in the token's application list. */
export function seesApp(grants: Grants, app: string): boolean {
  return grants.admin || (grants.apps.get(app)?.size ?? 0) > 0;
}
