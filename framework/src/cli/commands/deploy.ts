import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError } from '../../errors';
import { validateName } from '../../wire/names';
import { positiveIntegerOption, type ParsedArgs } from '../args';
import type { ApplicationManifest } from '../build/application-manifest';
import { resolveTypeScript } from '../build/typescript-compiler';
import { frameworkVersion } from '../framework-package';
import { kubernetesManifests } from '../kubernetes/kubernetes-manifests';
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
 * gateway and the application's runtime hosts. The application comes from `--app`, or from the
 * project's `praas.manifest.json` (run `praas-framework build` first).
 * @returns the files written, relative to the output directory.
 */
export function deploy(args: ParsedArgs, out: (line: string) => void): string[] {
  const opt = (name: string) => args.strings.get(name);
  const target = opt('target');
  if (target === undefined) {
    throw new UsageError(
      'deploy needs --gateway URL (register the application with a running gateway) or --target kubernetes --out DIR',
    );
  }
  if (target !== 'kubernetes')
    throw new UsageError(`unknown deploy target '${target}'; the supported target is kubernetes`);
  if (args.positional.length > 0) throw new UsageError(`deploy takes no arguments, got '${args.positional.join(' ')}'`);
  const outOption = opt('out');
  if (outOption === undefined) throw new UsageError('deploy --target kubernetes needs --out DIR for the manifests');

  const appOption = opt('app');
  const built = appOption === undefined ? readBuiltManifest(resolve(opt('project') ?? '.')) : undefined;
  if (appOption === undefined && built === undefined) {
    throw new InvalidArgumentError(
      'deploy needs the application: give --app NAME, or run praas-framework build first so deploy can read praas.manifest.json',
    );
  }
  const app = validateName('application', appOption ?? built!.app);
  const withServices = args.switches.has('with-services');
  const manifests = kubernetesManifests({
    app,
    image: opt('image') ?? `${app}:${built?.version ?? 'latest'}`,
    gatewayImage: opt('gateway-image') ?? `praas-framework:${frameworkVersion()}`,
    replicas: positiveIntegerOption('replicas', opt('replicas'), 2),
    natsUrl: opt('nats-url') ?? 'nats://nats:4222',
    s3Endpoint: opt('s3-endpoint') ?? 'http://minio:9000',
    s3Bucket: bucketName(opt('s3-bucket') ?? 'praas'),
    // The bundled MinIO gets fresh random credentials; they are written only into its Secret.
    ...(withServices
      ? {
          services: {
            s3AccessKey: `praas-${randomBytes(6).toString('hex')}`,
            s3SecretKey: randomBytes(24).toString('base64url'),
          },
        }
      : {}),
  });

  const outDir = resolve(outOption);
  mkdirSync(outDir, { recursive: true });
  for (const [name, objects] of manifests) writeFileSync(join(outDir, name), toYaml(objects));
  out(`wrote Kubernetes manifests for application '${app}' to ${outOption}:`);
  for (const [name, objects] of manifests)
    out(
      `  ${name}: ${objects.map((o) => `${o['kind'] as string}/${(o['metadata'] as { name: string }).name}`).join(', ')}`,
    );
  if (!withServices) {
    out('the manifests expect NATS at the --nats-url, S3 at the --s3-endpoint, and a Secret with the S3 keys:');
    out(
      '  kubectl create secret generic praas-s3 --from-literal=PRAAS_S3_ACCESS_KEY=... --from-literal=PRAAS_S3_SECRET_KEY=...',
    );
  }
  out(`apply them with: kubectl apply -f ${outOption}`);
  return [...manifests.keys()];
}
