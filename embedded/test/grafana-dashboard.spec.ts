import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GatewayMetrics } from '@praas/gateway';
import { HostMetrics } from '@praas/runtime';

/* The Grafana dashboard beside docker-compose.yml asks only for series the gateway and hosts export, and shows each of them. */

const REPO_ROOT = resolve(__dirname, '..', '..', '..');

interface Panel {
  title: string;
  targets: { expr: string }[];
}

/** The metric names of a registry's text exposition (histograms by their base name). */
async function exported(text: Promise<string>): Promise<Set<string>> {
  return new Set([...(await text).matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
}

describe('grafana-dashboard.json', () => {
  it('queries only series that exist, and shows every praas series', async () => {
    const dashboard = JSON.parse(readFileSync(join(REPO_ROOT, 'grafana-dashboard.json'), 'utf8')) as {
      panels: Panel[];
    };
    const gateway = new GatewayMetrics({
      listApps: () => Promise.resolve([]),
      listProcesses: () => Promise.resolve([]),
    });
    const host = new HostMetrics({ app: 'a', host: 'h' });
    const names = new Set([...(await exported(gateway.render())), ...(await exported(host.render()))]);
    const used = new Set<string>();
    for (const panel of dashboard.panels) {
      assert.ok(panel.targets.length > 0, `panel '${panel.title}' has queries`);
      for (const { expr } of panel.targets)
        for (const [name] of expr.matchAll(/\b(?:praas|process)_[a-z0-9_]+/g)) {
          const base = name.replace(/_(bucket|sum|count)$/, '');
          assert.ok(names.has(base), `panel '${panel.title}' queries ${name}, which nothing exports`);
          used.add(base);
        }
    }
    for (const name of names)
      if (name.startsWith('praas_')) assert.ok(used.has(name), `${name} is exported but no panel shows it`);
  });
});
