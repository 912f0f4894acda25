import {
  decode,
  encode,
  inSpan,
  InvalidArgumentError,
  normalizeKey,
  SpanKind,
  TRACE_ATTRIBUTES,
  unwrapReply,
  validateName,
  withTrace,
  type ClientInvokeOptions,
} from '@praas/framework/internal';
import type { DataPlaneClients } from './data-plane-clients';
import type { GatewaySender } from './gateway-sender';
import type { ProcessPicker } from './process-picker';
import type { RegistryLookups } from './registry-lookups';

export interface DataPlaneCallsDeps {
  readonly lookups: RegistryLookups;
  readonly clients: DataPlaneClients;
  readonly sender: GatewaySender;
  readonly picker: ProcessPicker;
}

/**
 * The control plane's data-plane operations: invoke (FaaS-compatible: a pid, or a process picked
 * by class and function) and send. Arguments and messages go out in the binary codec over the
 * application's `DataPlaneClient`; the registry is read only for the first call per application
 * and for picking a process (DESIGN §8).
 */
export class DataPlaneCalls {
  constructor(private readonly deps: DataPlaneCallsDeps) {}

  async invoke<R = unknown>(app: string, fn: string, data?: unknown, options: ClientInvokeOptions = {}): Promise<R> {
    if (options.pid !== undefined) await this.knownApp(app);
    else validateName('application', app);
    validateName('function', fn);
    if (options.pid !== undefined && options.processClass !== undefined) {
      throw new InvalidArgumentError(
        `give a pid or a process class to invoke '${fn}', not both: the pid already names the process and its class`,
        { pid: options.pid, processClass: options.processClass },
      );
    }
    const key = options.key === undefined ? undefined : normalizeKey('message key', options.key);
    const pid = options.pid ?? (await this.deps.picker.pick(app, fn, options.processClass));
    const bytes = await inSpan(
      `invoke ${fn}`,
      { kind: SpanKind.CLIENT, attributes: spanAttributes(app, pid, { [TRACE_ATTRIBUTES.fn]: fn }) },
      async () => {
        const invocation = this.deps.sender.invocation(fn, encode(data, `argument of '${fn}'`), key);
        const id =
          options.idempotencyKey === undefined ? undefined : validateName('idempotency key', options.idempotencyKey);
        const envelope = withTrace(id === undefined ? invocation : { ...invocation, id });
        const reply = await this.deps.clients
          .get(app)
          .invoke(pid, envelope, options.timeoutMs, { idempotent: id !== undefined });
        return unwrapReply(reply);
      },
    );
    return (bytes === undefined ? undefined : decode(bytes, `result of '${fn}'`)) as R;
  }

  async send(app: string, pid: string, key: string | number, data: unknown): Promise<void> {
    await this.knownApp(app);
    validateName('pid', pid);
    const messageKey = normalizeKey('message key', key);
    const bytes = encode(data, `message '${messageKey}'`);
    const attributes = spanAttributes(app, pid, { [TRACE_ATTRIBUTES.key]: messageKey });
    await inSpan(`send ${messageKey}`, { kind: SpanKind.PRODUCER, attributes }, () =>
      this.deps.clients.get(app).send(pid, withTrace(this.deps.sender.message(app, pid, messageKey, bytes))),
    );
  }

  /**
   * Checks an application before the data-plane calls: an unknown one is answered as such, and the
   * per-application client cache does not grow with names callers made up. Only the first call
   * per application asks the registry; after that the data path costs one NATS request (DESIGN §8).
   */
  private async knownApp(name: string): Promise<void> {
    if (!this.deps.clients.has(name)) await this.deps.lookups.app(name);
  }
}

/** The attributes of the gateway's invoke and send spans. */
function spanAttributes(app: string, pid: string, extra: Record<string, string>): Record<string, string> {
  return { [TRACE_ATTRIBUTES.app]: app, [TRACE_ATTRIBUTES.pid]: pid, ...extra };
}
