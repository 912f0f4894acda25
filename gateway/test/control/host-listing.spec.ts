import assert from 'node:assert/strict';
import { ApplicationNotFoundError, MemoryRegistry } from '@praas/framework/internal';
import { hostInfo, listHosts } from '../../src/control/host-listing';
import { RegistryLookups } from '../../src/control/registry-lookups';
import { hostJson, hostMessage } from '../../src/records/record-fields';

describe('the host listing (GET /v1/apps/{app}/hosts, gRPC ListHosts)', function () {
  it("lists an application's hosts by id with their counts and memory; no budget is left out, not sent as 0", async () => {
    const registry = new MemoryRegistry();
    const lookups = new RegistryLookups(registry);
    await registry.putApp({ name: 'shop', incarnation: 'i1', createdAt: 1, processClasses: ['Cart'] });
    const base = { app: 'shop', startedAt: 1, heartbeatAt: 2, processClasses: ['Cart'] };
    await registry.putHost({ ...base, id: 'h2', activeProcesses: 4, memoryBytes: 5_000, memoryBudgetBytes: 0 });
    await registry.putHost({ ...base, id: 'h1', activeProcesses: 1, dataAddress: '10.0.0.1:7000' });
    await registry.putHost({ ...base, app: 'bank', id: 'b1', activeProcesses: 9 });
    const hosts = await listHosts(registry, lookups, 'shop');
    assert.deepEqual(
      hosts.map((h) => h.id),
      ['h1', 'h2'],
    );
    assert.deepEqual(hostJson(hosts[1]!), {
      id: 'h2',
      startedAt: 1,
      heartbeatAt: 2,
      activeProcesses: 4,
      processClasses: ['Cart'],
      memoryBytes: 5_000,
    });
    assert.deepEqual(hostMessage(hosts[0]!), {
      id: 'h1',
      startedAt: 1,
      heartbeatAt: 2,
      activeProcesses: 1,
      processClasses: ['Cart'],
      memoryBytes: 0,
      memoryBudgetBytes: 0,
      dataAddress: '10.0.0.1:7000',
    });
    assert.deepEqual(hostInfo({ ...base, id: 'h3', activeProcesses: 0 }).processClasses, ['Cart']);
    await assert.rejects(listHosts(registry, lookups, 'nope'), ApplicationNotFoundError);
  });
});
