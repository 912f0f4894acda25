import { readFileSync } from 'node:fs';
import { join } from 'node:path';

function versionOf(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

/** The version of the @praas/framework package this CLI runs with (the packages are released in step). */
export function frameworkVersion(): string {
  return versionOf(require.resolve('@praas/framework/package.json'));
}

/** The version of this CLI package (from its package.json; compiled to dist/src, two levels below). */
export function cliVersion(): string {
  return versionOf(join(__dirname, '..', '..', 'package.json'));
}
