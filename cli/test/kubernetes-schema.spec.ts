import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { readObjects } from './kubernetes-objects';
import { cli } from './temp-project';

/** The Kubernetes API's own models (OpenAPI schemas compiled to validators), by apiVersion and kind. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

describe('deploy --target kubernetes: every object validates against the Kubernetes API schemas (offline)', () => {
  let scratch: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'praas-k8s-schema-'));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  const variants: Record<string, string[]> = {
    'the defaults': ['--app', 'shop'],
    'every option and the bundled services': [
      '--app',
      'orders',
      '--with-services',
      '--image',
      'registry.example.com/orders:2.0.1',
      '--gateway-image',
      'registry.example.com/praas-framework:0.1.0',
      '--replicas',
      '4',
      '--gateway-replicas',
      '2',
      '--host-memory',
      '3Gi',
      '--nats-url',
      'nats://nats.messaging:4222',
      '--s3-endpoint',
      'https://s3.example.com',
      '--s3-bucket',
      'orders-state',
    ],
    'the bundled three-node NATS cluster': ['--app', 'ledger', '--with-services', '--nats-cluster'],
  };
  for (const [name, args] of Object.entries(variants)) {
    it(`with ${name}`, async () => {
      const out = join(scratch, name.replace(/\W+/g, '-'));
      const result = await cli('deploy', '--target', 'kubernetes', '--out', out, '--quiet', ...args);
      assert.equal(result.code, 0, result.err.join('\n'));
      const objects = [...readObjects(out).values()].flat();
      assert.ok(objects.length >= 6);
      for (const o of objects) {
        const Model = MODELS[`${o.apiVersion}/${o.kind}`];
        assert.ok(Model, `a model for ${o.apiVersion} ${o.kind}`);
        assert.doesNotThrow(() => new Model(o as never).validate(), `${o.kind}/${o.metadata.name}`);
      }
    });
  }

  it('catches what the API would refuse (the validation is not a formality)', () => {
    const broken = { metadata: { name: 'x' }, spec: { replicas: '2', selector: {}, template: {} } };
    assert.throws(() => new Deployment(broken as never).validate(), /replicas must be integer/);
  });
});
