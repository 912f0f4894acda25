import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as the tests read it back from the written YAML. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The objects of every YAML file in `dir`, by file name (sorted); fails on a YAML error. */
export function readObjects(dir: string): Map<string, K8sObject[]> {
  const files = new Map<string, K8sObject[]>();
  for (const file of readdirSync(dir).sort()) {
    const documents = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
    files.set(
      file,
      documents.map((d) => {
        assert.deepEqual(d.errors, [], file);
        return d.toJS() as K8sObject;
      }),
    );
  }
  return files;
}
