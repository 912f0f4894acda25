import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError, validateName } from '@praas/framework/internal';
import { frameworkVersion } from '../framework-package';
import { projectFiles } from '../init/project-template';

export interface InitOptions {
  /** Directory to create the project in; must not exist or be empty. */
  dir: string;
  /** Package and application name; defaults to the directory's name. */
  name?: string;
}

/** Turns a directory name into a valid application name, or undefined when nothing is left. */
function nameFromDirectory(dir: string): string | undefined {
  const name = basename(dir)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128);
  return name.length > 0 ? name : undefined;
}

/**
 * `praas-framework init <dir>`: writes a new project with one `@Process` class, a test on the
 * embedded stack, and the build, dev and test scripts. Refuses a non-empty directory.
 * @returns the paths written, relative to the directory.
 */
export function init(options: InitOptions, out: (line: string) => void): string[] {
  const dir = resolve(options.dir);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new InvalidArgumentError(`${options.dir} exists and is not a directory`);
    if (readdirSync(dir).length > 0) {
      throw new InvalidArgumentError(
        `directory ${options.dir} is not empty; init writes a new project, so give a new or empty directory`,
      );
    }
  }
  const name = options.name ?? nameFromDirectory(dir);
  if (name === undefined) {
    throw new InvalidArgumentError(`cannot make an application name of '${basename(dir)}'; give one with --name`);
  }
  validateName('application', name);
  if (name !== name.toLowerCase()) {
    throw new InvalidArgumentError(
      `name '${name}' must be lower case, as npm package names are; try --name ${name.toLowerCase()}`,
    );
  }
  const files = projectFiles({ name, frameworkVersion: frameworkVersion() });
  for (const [path, content] of files) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content, { flag: 'wx' });
  }
  out(`created project '${name}' in ${options.dir}:`);
  for (const path of files.keys()) out(`  ${path}`);
  out(`next: cd ${options.dir} && npm install && npm test`);
  return [...files.keys()];
}
