import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsKvRegistry, NatsTransport } from '@praas/framework/nats';
import { ControlPlane, RegisteredHostProvider, S3BundleStore } from '@praas/gateway';
import {
  accountBundle,
  spawnHost,
  startNats,
  type HostProcess,
  type NatsService,
  type S3Service,
} from '@praas/integration';
import type { Suite } from '../runner';
import { ns, pool } from './scale.phases';
import { startS3InChild } from './s3-child';

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
    let nats: NatsService | undefined;
    let s3: S3Service | undefined;
    const hosts: HostProcess[] = [];
    let transport: NatsTransport | undefined;
    let registry: NatsKvRegistry | undefined;
    try {
      nats = await startNats();
      s3 = await startS3InChild();
      const s3Options = {
        endpoint: s3.endpoint,
        accessKey: s3.accessKey,
        secretKey: s3.secretKey,
        bucket: s3.bucket ?? `bench-upgrade-${Date.now().toString(36)}`,
      };
      transport = await NatsTransport.connect({ servers: nats.url, name: 'bench-upgrade' });
      registry = await NatsKvRegistry.open(transport.connection);
      const plane = new ControlPlane({
        transport,
        registry,
        provider: new RegisteredHostProvider(registry),
        bundles: new S3BundleStore(s3Options),
        controlTimeoutMs: 120_000,
      });
      await plane.deployVersion(app, accountBundle(app, 1));
      const env = {
        PRAAS_S3_ENDPOINT: s3Options.endpoint,
        PRAAS_S3_ACCESS_KEY: s3Options.accessKey,
        PRAAS_S3_SECRET_KEY: s3Options.secretKey,
        PRAAS_S3_BUCKET: s3Options.bucket,
      };
      for (const id of ['upgrade-h1', 'upgrade-h2'])
        hosts.push(
          await spawnHost({
            natsUrl: nats.url,
            app,
            hostId: id,
            env: { ...env, PRAAS_CODE_DIR: join(codeDir, id) },
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
    } finally {
      for (const h of hosts) await h.kill();
      await registry?.close();
      await transport?.close();
      await s3?.stop();
      await nats?.stop();
      rmSync(codeDir, { recursive: true, force: true });
    }
  },
};
