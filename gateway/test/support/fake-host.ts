import { encodeWire, processSubject, type ControlRequest, type Registry } from '@praas/framework/internal';

/**
 * What a runtime host does with a create (or activation) it accepts, for fake hosts in unit tests:
 * writes the process's record, active on `hostId`, then answers with its info and address.
 */
export async function answerCreated(
  registry: Registry,
  app: string,
  hostId: string,
  request: ControlRequest,
): Promise<Uint8Array> {
  const record = {
    app,
    pid: request.pid,
    processClass: request.processClass ?? 'Counter',
    status: 'active' as const,
    host: hostId,
    generation: 0,
    updatedAt: Date.now(),
  };
  await registry.putProcess(record);
  return encodeWire({ ok: true, data: encodeWire({ ...record, address: processSubject(app, request.pid) }) });
}
