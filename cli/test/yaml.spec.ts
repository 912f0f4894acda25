import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { toYaml, type YamlValue } from '../src/yaml';

function roundTrip(documents: YamlValue[]): unknown[] {
  // YAML 1.1, as kubectl reads it: there 'no' and 'on' are booleans unless quoted.
  return parseAllDocuments(toYaml(documents), { version: '1.1' }).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS() as unknown;
  });
}

describe('YAML writer', () => {
  it('writes documents a YAML parser reads back as the same values', () => {
    const documents: YamlValue[] = [
      {
        apiVersion: 'apps/v1',
        metadata: { name: 'praas-gateway', labels: { 'app.kubernetes.io/name': 'gateway' } },
        spec: {
          replicas: 2,
          containers: [
            { name: 'a', args: ['-js', '-sd', '/data'], ports: [{ containerPort: 8080 }], env: [] },
            { name: 'b', nested: [[1, 2], [{ deep: true }]], empty: {} },
          ],
        },
      },
      ['x', 1, null, false, {}],
    ];
    assert.deepEqual(roundTrip(documents), documents);
  });

  it('quotes strings that a reader would take for numbers, booleans, null or syntax', () => {
    const tricky = [
      '8080',
      '1.5',
      'true',
      'no',
      'on',
      'null',
      '~',
      '',
      ' padded',
      'a: b',
      'key:',
      '- item',
      '#x',
      "it's",
      'line\nbreak',
      '"q"',
      '*ref',
      '&anchor',
      '{}',
      'http://minio:9000',
    ];
    const [back] = roundTrip([{ values: tricky, map: Object.fromEntries(tricky.map((t, i) => [t, i])) }]) as [
      { values: string[]; map: Record<string, number> },
    ];
    assert.deepEqual(back.values, tricky);
    assert.deepEqual(back.map, Object.fromEntries(tricky.map((t, i) => [t, i])));
    assert.match(toYaml([{ port: '8080', url: 'http://minio:9000' }]), /^port: "8080"\nurl: http:\/\/minio:9000\n$/);
  });

  it('quotes what only YAML 1.1 reads as another type: octals, sexagesimals, y/n', () => {
    const values: YamlValue[] = [{ mode: '0755', at: '12:30', yes: 'y', no: 'N', off: 'Off', text: 'plain' }];
    assert.deepEqual(roundTrip(values), values);
    assert.match(toYaml(values), /^text: plain$/m);
  });

  it('refuses numbers YAML cannot carry', () => {
    assert.throws(() => toYaml([{ n: Number.NaN }]), /cannot write NaN as YAML/);
  });
});
