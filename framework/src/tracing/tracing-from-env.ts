import { createRequire } from 'node:module';
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors';
import type { Logger } from '../logging/logger';

/** The optional package `PRAAS_OTEL=1` starts: the user installs it beside the application. */
export const OTEL_SDK_PACKAGE = '@opentelemetry/sdk-node';

/** A started SDK: flushes and stops it. */
export interface TracingHandle {
  shutdown(): Promise<void>;
}

/** The part of `@opentelemetry/sdk-node` this uses. */
interface NodeSdkModule {
  NodeSDK: new (config: { serviceName?: string }) => { start(): void; shutdown(): Promise<void> };
}

/** Whether `PRAAS_OTEL` asks for tracing; a value that is neither on nor off is refused. */
function wanted(env: NodeJS.ProcessEnv): boolean {
  const raw = (env['PRAAS_OTEL'] ?? '').trim().toLowerCase();
  if (raw === '' || raw === '0' || raw === 'false' || raw === 'off') return false;
  if (raw === '1' || raw === 'true' || raw === 'on') return true;
  throw new InvalidArgumentError(`PRAAS_OTEL must be 1 or 0 (true/false, on/off), got '${env['PRAAS_OTEL']}'`);
}

/** Loads the SDK from beside this package, or else from the working directory (the user's project). */
function loadSdk(): NodeSdkModule {
  const places = [require, createRequire(join(process.cwd(), 'package.json'))];
  let last: unknown;
  for (const load of places) {
    try {
      return load(OTEL_SDK_PACKAGE) as NodeSdkModule;
    } catch (e) {
      last = e;
    }
  }
  throw new InvalidArgumentError(
    `PRAAS_OTEL=1 needs the OpenTelemetry SDK, which is not installed: npm install ${OTEL_SDK_PACKAGE} ` +
      `(or leave PRAAS_OTEL unset and register a tracer provider yourself: node -r ./tracing.js ...)`,
    { cause: last instanceof Error ? last.message : String(last) },
  );
}

/**
 * Starts tracing for an entry point (gateway, runtime host) when `PRAAS_OTEL=1` (DESIGN §8b):
 * the OpenTelemetry Node SDK, configured by the standard `OTEL_*` variables (exporter, endpoint,
 * sampler, resource), under `serviceName` unless `OTEL_SERVICE_NAME` names one. Without
 * `PRAAS_OTEL` nothing is loaded: the framework's spans stay no-ops, unless the user registered
 * a provider of their own (e.g. with a preload, `node -r ./tracing.js`).
 * @returns the started SDK, to shut down at exit (it flushes the spans); undefined when off.
 * @throws InvalidArgumentError when PRAAS_OTEL is not a switch, or the SDK is not installed.
 */
export function tracingFromEnv(env: NodeJS.ProcessEnv, serviceName: string, logger: Logger): TracingHandle | undefined {
  if (!wanted(env)) return undefined;
  const { NodeSDK } = loadSdk();
  const sdk = new NodeSDK(env['OTEL_SERVICE_NAME'] ? {} : { serviceName });
  sdk.start();
  logger.info('tracing with the OpenTelemetry SDK', {
    service: env['OTEL_SERVICE_NAME'] ?? serviceName,
    exporter: env['OTEL_TRACES_EXPORTER'] ?? 'otlp',
    ...(env['OTEL_EXPORTER_OTLP_ENDPOINT'] ? { endpoint: env['OTEL_EXPORTER_OTLP_ENDPOINT'] } : {}),
  });
  return {
    shutdown: async () => {
      try {
        await sdk.shutdown();
      } catch (err) {
        logger.warn('the OpenTelemetry SDK did not flush its last spans', { err });
      }
    },
  };
}
