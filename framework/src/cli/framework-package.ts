import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The version of the running @praas/framework package (from its package.json). */
export function frameworkVersion(): string {
  // Compiled to dist/src/cli; the package root is three levels up.
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}
