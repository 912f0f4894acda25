import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, parseNatsServers, validateName, validateReplicas } from '@praas/framework/internal';
import { positiveIntegerOption, type ParsedArgs } from '../args';
import type { ApplicationManifest } from '../build/application-manifest';
import { resolveTypeScript } from '../build/typescript-compiler';
import { frameworkVersion } from '../framework-package';
import { kubernetesManifests } from '../kubernetes/kubernetes-manifests';
import { memoryBytes } from '../kubernetes/kubernetes-objects';
import { praasNames } from '../kubernetes/praas-names';
import { Progress } from '../output/progress';
import { UsageError } from '../usage-error';
import { toYaml } from '../yaml';

/** S3's bucket naming rule: 3-63 lower-case letters, digits, '.' and '-'. */
function bucketName(value: string): string {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value)) {
    throw new UsageError(
      `--s3-bucket '${value}' is not a valid bucket name: 3-63 lower-case letters, digits, '.' and '-'`,
    );
  }
  return value;
}

/** Where the project's build writes: the tsconfig's outDir, or dist/. */
export function buildOutputDir(projectDir: string): string {
  const tsconfig = join(projectDir, 'tsconfig.json');
  return existsSync(tsconfig)
    ? (resolveTypeScript(projectDir).readCompilerOptions(tsconfig).outDir ?? join(projectDir, 'dist'))
    : join(projectDir, 'dist');
}

/** The manifest the project's build wrote, or undefined before the first build. */
export function readBuiltManifest(projectDir: string): ApplicationManifest | undefined {
  const path = join(buildOutputDir(projectDir), 'praas.manifest.json');
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as ApplicationManifest;
}

/**
 * `praas-framework deploy --target kubernetes --out DIR`: writes Kubernetes manifests for the
 * application's gateway and runtime hosts, every object named after the application. The
 * application comes from `--app`, or from the project's `praas.manifest.json` (run `praas-framework
 * build` first). No secret is written: the commands that create the application's Secrets are printed.
 * @returns the files written, relative to the output directory.
 */
export async function deploy(
  args: ParsedArgs,
  out: (line: string) => void,
  progressOut: ((line: string) => void) | undefined,
): Promise<string[]> {
  const opt = (name: string) => args.strings.get(name);
  const target = opt('target');
  if (target === undefined) {
    throw new UsageError(
      'deploy needs --gateway URL (register the application with a running gateway) or --target kubernetes --out DIR',
    );
  }
  for (const option of ['upgrade', 'wave'])
    if (args.strings.has(option))
      throw new UsageError(
        `--${option} moves the processes of a running application: use it with deploy --gateway URL`,
      );
  if (target !== 'kubernetes')
    throw new UsageError(`unknown deploy target '${target}'; the supported target is kubernetes`);
  if (args.positional.length > 0) throw new UsageError(`deploy takes no arguments, got '${args.positional.join(' ')}'`);
  const outOption = opt('out');
  if (outOption === undefined) throw new UsageError('deploy --target kubernetes needs --out DIR for the manifests');
  const hostMemory = opt('host-memory') ?? '1Gi';
  if ((memoryBytes(hostMemory) ?? 0) < 64 * 2 ** 20)
    throw new UsageError(
      `--host-memory must be a memory size of at least 64Mi, like 512Mi or 2Gi; got '${hostMemory}'`,
    );

  const progress = new Progress('deploy', progressOut);
  const appOption = opt('app');
  const built = appOption === undefined ? readBuiltManifest(resolve(opt('project') ?? '.')) : undefined;
  if (appOption === undefined && built === undefined) {
    throw new InvalidArgumentError(
      'deploy needs the application: give --app NAME, or run praas-framework build first so deploy can read praas.manifest.json',
    );
  }
  const app = validateName('application', appOption ?? built!.app);
  const names = praasNames(app);
  const withServices = args.switches.has('with-services');
  const natsCluster = args.switches.has('nats-cluster');
  if (natsCluster && !withServices)
    throw new UsageError('--nats-cluster writes the NATS cluster with the services: add --with-services');
  const natsReplicas = opt('nats-replicas');
  const image = opt('image') ?? `${app}:${built?.version ?? 'latest'}`;
  const gatewayImage = opt('gateway-image') ?? `praas-framework:${frameworkVersion()}`;
  const manifests = kubernetesManifests({
    app,
    image,
    gatewayImage,
    replicas: positiveIntegerOption('replicas', opt('replicas'), 2),
    gatewayReplicas: positiveIntegerOption('gateway-replicas', opt('gateway-replicas'), 1),
    hostMemory,
    natsUrl: parseNatsServers(
      opt('nats-url') ?? (withServices ? `nats://${names.nats}:4222` : 'nats://nats:4222'),
      '--nats-url',
    ).join(','),
    ...(natsReplicas === undefined
      ? {}
      : { natsReplicas: validateReplicas(positiveIntegerOption('nats-replicas', natsReplicas, 1), '--nats-replicas') }),
    s3Endpoint: opt('s3-endpoint') ?? (withServices ? `http://${names.minio}:9000` : 'http://minio:9000'),
    s3Bucket: bucketName(opt('s3-bucket') ?? 'praas'),
    services: withServices,
    natsCluster,
  });

  const outDir = resolve(outOption);
  await progress.step(`write manifests to ${outOption}`, () => {
    mkdirSync(outDir, { recursive: true });
    for (const [name, objects] of manifests) writeFileSync(join(outDir, name), toYaml(objects));
  });
  progress.done();
  out(`wrote Kubernetes manifests for application '${app}' to ${outOption}:`);
  for (const [name, objects] of manifests)
    out(
      `  ${name}: ${objects.map((o) => `${o['kind'] as string}/${(o['metadata'] as { name: string }).name}`).join(', ')}`,
    );
  secretCommands(app, withServices, out);
  // A default name is a guess at what was built and pushed; say so, as a cluster pulls it by that name.
  if (opt('image') === undefined)
    out(
      `warning: no --image given: the runtime hosts use the default image '${image}'; push your build (docker build -f dist/Dockerfile) under a registry name and pass it with --image`,
    );
  if (opt('gateway-image') === undefined)
    out(
      `warning: no --gateway-image given: the gateway uses the default image '${gatewayImage}'; pass the image you pushed with --gateway-image`,
    );
  out(`then apply them with: kubectl apply -f ${outOption}`);
  return [...manifests.keys()];
}

/**
 * Prints how to create the application's two Secrets. Their values never go into a file beside
 * the manifests: the shell generates them (or the user gives their S3 keys) as kubectl runs.
 */
function secretCommands(app: string, withServices: boolean, out: (line: string) => void): void {
  const names = praasNames(app);
  const s3Keys = withServices
    ? // The bundled MinIO takes its root credentials from this Secret: fresh random ones.
      ['PRAAS_S3_ACCESS_KEY="praas-$(openssl rand -hex 6)"', 'PRAAS_S3_SECRET_KEY="$(openssl rand -base64 24)"']
    : ['PRAAS_S3_ACCESS_KEY=<your S3 access key>', "PRAAS_S3_SECRET_KEY='<your S3 secret key>'"];
  out('before applying, create the Secrets the manifests reference (no secret value is written to a file here):');
  out(
    `  kubectl create secret generic ${names.secret} ` +
      [...s3Keys, 'PRAAS_DATA_SECRET="$(openssl rand -base64 32)"'].map((kv) => `--from-literal=${kv}`).join(' '),
  );
  out(`  praas-framework gateway token create --file tokens.json --id admin --scope admin   (prints the token once)`);
  out(`  kubectl create secret generic ${names.tokens} --from-file=tokens.json && rm tokens.json`);
  // NATS users: the hosts may use only the application's subjects (keep PRAAS_NATS_SECRET to add applications later).
  out(
    `  PRAAS_NATS_SECRET="$(openssl rand -base64 32)" praas-framework nats secret --app ${app} | kubectl apply -f -   (${names.natsUsers})`,
  );
  if (!withServices) out('the manifests expect NATS at the --nats-url and S3 at the --s3-endpoint');
}
