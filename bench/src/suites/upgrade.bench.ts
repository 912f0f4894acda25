import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlPlane, RegisteredHostProvider, S3BundleStore } from '@praas/gateway';
import { accountBundle, spawnHost } from '@praas/integration';
import type { Suite } from '../runner';
import { ns, pool } from './scale.phases';
import { withHostStack } from './host-stack';

/** Processes swapped out and in at once in the measured rolling upgrade (the deploy's `--wave`). */
const WAVE = 32;

/**
 * Issue 20: a rolling upgrade of N active processes (full 1,000; quick 300; PRAAS_BENCH_UPGRADE_N)
 * on two runtime host OS processes with nats-server and s3rver. Version 1 of the `Account` fixture
 * is deployed through the control plane, N processes are created and given state, then version 2
 * (a renamed and a computed field, `@Migrate(1)`) is deployed with `upgrade: 'rolling'` and a wave
 * of 32: every process is swapped out to S3 and back in on the new code, its state migrated.
 * Figures: the deploy's wall time (`upgrade_rolling_s`), processes moved per second, and the
 * processes moved and failed (a check that the whole application moved).
 */
export const upgradeSuite: Suite = {
  name: 'upgrade',
  async run(context) {
    const n = Number(process.env['PRAAS_BENCH_UPGRADE_N'] ?? (context.quick ? 300 : 1_000));
    const app = `bench-upgrade-${Date.now().toString(36)}`;
    const codeDir = mkdtempSync(join(tmpdir(), 'praas-bench-upgrade-'));
    try {
      await withHostStack('bench-upgrade', async ({ nats, s3Options, s3Env, transport, registry, hosts }) => {
        const plane = new ControlPlane({
          transport,
          registry,
          provider: new RegisteredHostProvider(registry),
          bundles: new S3BundleStore(s3Options),
          controlTimeoutMs: 120_000,
        });
        await plane.deployVersion(app, accountBundle(app, 1));
        for (const id of ['upgrade-h1', 'upgrade-h2'])
          hosts.push(
            await spawnHost({
              natsUrl: nats.url,
              app,
              hostId: id,
              env: { ...s3Env, PRAAS_CODE_DIR: join(codeDir, id) },
              readyTimeoutMs: 60_000,
            }),
          );
        const pids: string[] = [];
        await pool(Array.from({ length: n }), async () => {
          const { pid } = await plane.createProcess(app, { processClass: 'Account' });
          // Totals from 14 up: none is the 13 the fixture's migration refuses.
          await plane.invoke(app, 'add', 14 + pids.length, { pid, timeoutMs: 60_000 });
          pids.push(pid);
        });

        const started = ns();
        const deployed = await plane.deployVersion(app, accountBundle(app, 2), { upgrade: 'rolling', wave: WAVE });
        const seconds = (ns() - started) / 1e9;
        const report = deployed.upgrade!;
        console.error(
          `upgrade: rolling upgrade of ${n} processes, wave ${WAVE}: ${seconds.toFixed(2)} s; moved ${report.moved}, failed ${report.failed.length}, skipped ${report.skipped}`,
        );
        context.figure('upgrade_rolling_s', Math.round(seconds * 100) / 100);
        context.figure('upgrade_rolling_processes', n);
        context.figure('upgrade_rolling_wave', WAVE);
        context.figure('upgrade_rolling_moved_per_s', Math.round(report.moved / seconds));
        context.figure('upgrade_rolling_moved', report.moved);
        context.figure('upgrade_rolling_failed', report.failed.length);
        if (report.moved !== n)
          context.note(`upgrade: only ${report.moved} of ${n} processes moved: ${JSON.stringify(report)}`);
        // The migrated state answers: a sample of processes after the upgrade.
        const sample = await Promise.all(
          pids.slice(0, 10).map((pid) => plane.invoke<{ code: string }>(app, 'get', undefined, { pid })),
        );
        if (sample.some((s) => s.code !== 'v2')) context.note('upgrade: a sampled process does not run version 2');
      });
    } finally {
      rmSync(codeDir, { recursive: true, force: true });
    }
  },
};
