import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { InvalidArgumentError, validateName } from '@praas/framework/internal';
import { appNameFromPackage } from '../build/application-manifest';
import { startLocalStack, type LocalStack } from '../stack/local-stack';
import { UsageError } from '../usage-error';
import { readBuiltManifest } from './deploy';
import { readPackage } from './dev';

export interface UpOptions {
  /** Project directory (default: the working directory). */
  readonly project?: string;
  /** Compiled module the hosts run (default: package.json "main"). */
  readonly module?: string;
  /** Application name (default: the built manifest's, else package.json "name"). */
  readonly app?: string;
  /** Runtime hosts to start (default 2). */
  readonly hosts: number;
  readonly host?: string;
  readonly port: number;
  readonly grpcPort: number;
  readonly natsPort: number;
  /** Keep NATS, S3 data, the token file and logs here (default: a temporary directory, removed at exit). */
  readonly dataDir?: string;
  readonly noAuth: boolean;
}

/** For tests and tools: told when the stack is up, and a way to stop it besides SIGINT and SIGTERM. */
export interface UpHooks {
  ready?(stack: LocalStack): void;
  stop?: Promise<void>;
}

/** The application and the module its hosts run, from the options and the project's build. */
function application(o: UpOptions, projectDir: string): { app: string; modulePath: string } {
  const pkg = readPackage(projectDir);
  const entry = o.module ?? pkg.main;
  if (entry === undefined)
    throw new UsageError(
      `up needs the compiled module the hosts run: --module dist/index.js, or a project whose package.json sets "main" (looked in ${projectDir})`,
    );
  const modulePath = resolve(projectDir, entry);
  if (!existsSync(modulePath) && !existsSync(`${modulePath}.js`))
    throw new InvalidArgumentError(
      `up runs a built application, and ${modulePath} does not exist: run praas-framework build (or npm run build) first`,
    );
  const fromPackage = pkg.name ? appNameFromPackage(pkg.name) : undefined;
  const name = o.app ?? readBuiltManifest(projectDir)?.app ?? fromPackage;
  if (name === undefined)
    throw new UsageError('up needs the application name: --app NAME, or a package.json with a "name"');
  return { app: validateName('application', name), modulePath };
}

/**
 * `praas-framework up`: a local stack without Docker. nats-server (from PATH), an S3 endpoint
 * (PRAAS_S3_ENDPOINT, else MinIO's `minio server` from PATH, else s3rver from the project), a
 * gateway and N runtime hosts running the built application, each as an OS process; prints what it
 * started, and on Ctrl+C (SIGINT) or SIGTERM stops the hosts (they swap their processes out), the
 * gateway, S3 and NATS. The gateway checks bearer tokens (a fresh admin token is printed) and
 * nats-server runs with a user per component (the hosts' may use only their application's
 * subjects), unless `noAuth`. A service that ends on its own stops the stack with an error naming it.
 */
export async function up(options: UpOptions, out: (line: string) => void, hooks: UpHooks = {}): Promise<void> {
  const projectDir = resolve(options.project ?? '.');
  const { app, modulePath } = application(options, projectDir);
  let stopRequested: () => void = () => undefined;
  const signalled = new Promise<void>((done) => (stopRequested = done));
  const onSignal = (): void => stopRequested();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const dataDir = options.dataDir === undefined ? mkdtempSync(join(tmpdir(), 'praas-up-')) : resolve(options.dataDir);
  try {
    out(`praas up: starting nats-server, an S3 endpoint, a gateway and ${options.hosts} host(s) for '${app}'`);
    const stack = await startLocalStack({
      app,
      modulePath,
      projectDir,
      dataDir,
      hosts: options.hosts,
      host: options.host ?? '127.0.0.1',
      httpPort: options.port,
      grpcPort: options.grpcPort,
      natsPort: options.natsPort,
      noAuth: options.noAuth,
    });
    let failure: string | undefined;
    try {
      describe(stack, app, relative(process.cwd(), modulePath) || modulePath, out);
      hooks.ready?.(stack);
      const stopped = hooks.stop === undefined ? signalled : Promise.race([hooks.stop, signalled]);
      failure = await Promise.race([stopped.then(() => undefined), stack.failed]);
      out(failure === undefined ? 'praas up: stopping' : `praas up: ${failure}; stopping the stack`);
    } finally {
      await stack.stop();
    }
    if (failure !== undefined)
      throw new Error(`${failure}; its log is in ${stack.logDir}${options.dataDir === undefined ? ' (removed)' : ''}`);
    out('praas up: stopped');
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

function describe(stack: LocalStack, app: string, module: string, out: (line: string) => void): void {
  const s3 = {
    environment: 'from PRAAS_S3_ENDPOINT',
    minio: 'minio server',
    s3rver: 's3rver',
  }[stack.s3.kind];
  const pidOf = (label: string): string => {
    const service = stack.services.find((s) => s.label === label);
    return service === undefined ? '' : ` (pid ${service.pid})`;
  };
  out(`  NATS      ${stack.natsUrl}${pidOf('nats-server')}`);
  if (stack.natsConfigFile === undefined)
    out('  NATS auth off (--no-auth): any client of nats-server may use every subject');
  else
    out(
      `  NATS auth users praas-gateway and praas-app-${app} (only its subjects, stream, registry keys); in ${stack.natsConfigFile}`,
    );
  out(`  S3        ${stack.s3.endpoint}, bucket ${stack.s3.bucket} (${s3})${pidOf(stack.s3.kind)}`);
  out(`  gateway   REST ${stack.httpUrl}, gRPC ${stack.grpcAddress}${pidOf('gateway')}`);
  for (const host of stack.services.filter((s) => s.label.startsWith('host ')))
    out(`  ${host.label}  running ${module}${pidOf(host.label)}`);
  out(`  logs      ${stack.logDir}`);
  if (stack.token === undefined) out('  auth      off (--no-auth): anyone who reaches the gateway may do anything');
  else {
    out(`  token     ${stack.token}  (admin; in ${stack.tokensFile})`);
    out(`  try       export PRAAS_GATEWAY_URL=${stack.httpUrl} PRAAS_TOKEN=${stack.token}`);
  }
  out(`            praas-framework invoke ${app} <fn> '<json argument>'`);
  out('running; press Ctrl+C to stop (hosts swap their processes out first)');
}
