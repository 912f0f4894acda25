import assert from 'node:assert/strict';
import { loadSync } from '@grpc/proto-loader';
import type { AppInfo, ProcessInfo } from '@praas/framework/internal';
import {
  APP_FIELDS,
  appJson,
  appMessage,
  GATEWAY_PROTO_PATH,
  HOST_FIELDS,
  VERSIONS_FIELDS,
  versionsJson,
  versionsMessage,
  PROCESS_FIELDS,
  PROCESS_PAGE_QUERY_FIELDS,
  processJson,
  processMessage,
  ROUTES,
  type FieldKind,
  type RouteName,
  type ScalarKind,
} from '../../src';

const snake = (camel: string): string => camel.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** The proto field a scalar kind travels as: [label, type]. */
const PROTO_OF: Record<ScalarKind, [string, string]> = {
  string: ['LABEL_OPTIONAL', 'TYPE_STRING'],
  'optional-string': ['LABEL_OPTIONAL', 'TYPE_STRING'],
  strings: ['LABEL_REPEATED', 'TYPE_STRING'],
  int: ['LABEL_OPTIONAL', 'TYPE_INT64'],
  'optional-int': ['LABEL_OPTIONAL', 'TYPE_INT64'],
};

/**
 * The gRPC method of every REST route; null where gRPC has its own (health) or none (metrics:
 * Prometheus scrapes HTTP; the dashboard's page and files: a browser loads them).
 */
const GRPC_METHOD_OF: Record<RouteName, string | null> = {
  health: 'Health',
  metrics: null,
  home: null,
  ui: null,
  uiAsset: null,
  createApp: 'CreateApp',
  listApps: 'ListApps',
  getApp: 'GetApp',
  deleteApp: 'DeleteApp',
  deployVersion: 'DeployVersion',
  listVersions: 'ListVersions',
  createProcess: 'CreateProcess',
  listProcesses: 'ListProcesses',
  getProcess: 'GetProcess',
  deleteProcess: 'DeleteProcess',
  swapProcess: 'SwapProcess',
  inspectProcess: 'InspectProcess',
  sendMessage: 'SendMessage',
  invoke: 'Invoke',
  watchProcesses: 'WatchProcesses',
  listHosts: 'ListHosts',
  listTimers: 'ListTimers',
  listProcessTimers: 'ListTimers',
  cancelTimer: 'CancelTimer',
};

describe('one list of record fields for REST and gRPC', function () {
  const proto = loadSync(GATEWAY_PROTO_PATH, { keepCase: true });
  type ProtoField = [name: string, label: string, type: string, typeName: string];
  const fieldsOf = (message: string): ProtoField[] =>
    (
      proto[`praas.v1.${message}`] as {
        type: { field: { name: string; label: string; type: string; typeName: string }[] };
      }
    ).type.field.map((f): ProtoField => [f.name, f.label, f.type, f.typeName]);
  /** The proto fields a table asks for, and the tables of the messages its record lists are made of. */
  const expected = (table: Readonly<Record<string, FieldKind>>): [ProtoField[], [string, FieldKind][]] => {
    const nested: [string, FieldKind][] = [];
    const fields = Object.entries(table).map(([field, kind]): ProtoField => {
      if (typeof kind === 'string') return [snake(field), ...PROTO_OF[kind], ''];
      nested.push([kind.message, kind]);
      return [snake(field), kind.single ? 'LABEL_OPTIONAL' : 'LABEL_REPEATED', 'TYPE_MESSAGE', kind.message];
    });
    return [fields.sort(), nested];
  };

  for (const [message, table] of [
    ['App', APP_FIELDS],
    ['Process', PROCESS_FIELDS],
    ['Host', HOST_FIELDS],
    ['Versions', VERSIONS_FIELDS],
  ] as const) {
    it(`praas.proto's ${message} has exactly the fields of the table, with matching types`, function () {
      const [fields, nested] = expected(table);
      assert.deepEqual(fieldsOf(message).sort(), fields);
      for (const [name, kind] of nested) {
        if (typeof kind === 'string') continue;
        assert.deepEqual(fieldsOf(name).sort(), expected(kind.fields)[0], `message ${name}`);
      }
    });
  }

  it('praas.proto’s ListProcessesRequest has the app and exactly the page query fields; its response a cursor', function () {
    const [fields] = expected(PROCESS_PAGE_QUERY_FIELDS);
    assert.deepEqual(
      fieldsOf('ListProcessesRequest').sort(),
      [...fields, ['app', 'LABEL_OPTIONAL', 'TYPE_STRING', ''] as ProtoField].sort(),
    );
    assert.deepEqual(fieldsOf('ListProcessesResponse').sort(), [
      ['cursor', 'LABEL_OPTIONAL', 'TYPE_STRING', ''],
      ['processes', 'LABEL_REPEATED', 'TYPE_MESSAGE', 'Process'],
    ]);
  });

  it('serves every REST operation over gRPC too', function () {
    const methods = Object.keys(proto['praas.v1.Gateway'] as object).sort();
    const fromRoutes = ROUTES.map((r) => GRPC_METHOD_OF[r.name]).filter((m): m is string => m !== null);
    assert.deepEqual([...new Set(fromRoutes)].sort(), methods);
  });

  it('leaves absent optional fields out of JSON, and sends them as proto3 defaults over gRPC', function () {
    const app: AppInfo = { name: 'shop', processClasses: ['Cart'], createdAt: 5 };
    assert.deepEqual(appJson(app), { name: 'shop', processClasses: ['Cart'], createdAt: 5 });
    assert.deepEqual(appMessage(app), {
      name: 'shop',
      processClasses: ['Cart'],
      createdAt: 5,
      version: 0,
      codeErrors: [],
      upgradeTo: 0,
      upgrade: null,
    });
    assert.deepEqual(appJson({ ...app, version: 3 }), { ...app, version: 3 });
    const broken: AppInfo = {
      ...app,
      version: 3,
      codeErrors: [{ host: 'h1', version: 3, message: "Cannot find module 'left-pad'" }],
    };
    assert.deepEqual(appJson(broken), broken);
    assert.deepEqual(appMessage(broken), { ...broken, upgradeTo: 0, upgrade: null });
    const deployed: AppInfo = {
      ...app,
      version: 4,
      upgradeTo: 4,
      upgrade: {
        policy: 'rolling',
        moved: 9,
        failed: [{ pid: 'c2', version: 4, code: 'MIGRATION_FAILED', message: 'no' }],
        skipped: 1,
      },
    };
    assert.deepEqual(appJson(deployed), deployed);
    assert.deepEqual(appMessage(deployed), { ...deployed, codeErrors: [] });
    const leaky = { ...broken, codeErrors: [{ ...broken.codeErrors![0]!, stack: 'at ...' }] } as unknown as AppInfo;
    assert.deepEqual(appJson(leaky), broken, 'only the listed fields of a code error leave the gateway');
    const process: ProcessInfo = {
      app: 'shop',
      pid: 'c1',
      processClass: 'Cart',
      status: 'swapped',
      address: 'praas.shop.p.c1',
      generation: 2,
    };
    assert.deepEqual(processJson(process), process);
    assert.deepEqual(processMessage(process), {
      ...process,
      host: '',
      version: 0,
      stateVersion: 0,
      upgradeError: null,
    });
    const stuck: ProcessInfo = {
      ...process,
      version: 1,
      stateVersion: 1,
      upgradeError: { version: 2, code: 'STATE_VERSION_TOO_NEW', message: 'newer' },
    };
    assert.deepEqual(processJson(stuck), stuck);
    assert.deepEqual(processMessage(stuck), { ...stuck, host: '' });
    const active: ProcessInfo = { ...process, status: 'active', host: 'h1', version: 4 };
    assert.deepEqual(processJson(active), active);
    assert.deepEqual(processMessage(active), { ...active, stateVersion: 0, upgradeError: null });
    const extra = { ...active, internal: 'not for clients' } as ProcessInfo;
    assert.deepEqual(processJson(extra), active, 'only the listed fields leave the gateway');
  });

  it('sends a versions report with its counts and failures over REST and gRPC alike', function () {
    const report = {
      app: 'shop',
      newest: 2,
      upgradeTo: 2,
      counts: [
        { version: 1, stateVersion: 1, processes: 3, active: 1 },
        { version: 2, stateVersion: 2, processes: 5, active: 5 },
      ],
      failed: [{ pid: 'c1', version: 2, code: 'MIGRATION_FAILED', message: 'no' }],
      failedTotal: 1,
    };
    assert.deepEqual(versionsJson(report), report);
    assert.deepEqual(versionsMessage(report), report);
    assert.deepEqual(versionsJson({ app: 'shop', counts: [{ processes: 2, active: 0 }], failed: [], failedTotal: 0 }), {
      app: 'shop',
      counts: [{ processes: 2, active: 0 }],
      failed: [],
      failedTotal: 0,
    });
  });
});
