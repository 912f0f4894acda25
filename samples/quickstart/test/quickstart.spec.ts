import assert from 'node:assert/strict';
import { createEmbedded } from '@praas/embedded';
import { Counter, Reporter, runDemo } from '../src';

describe('quickstart sample', () => {
  it('runs the demo: invocations, messages, and state that survives a swap round trip', async () => {
    const praas = await createEmbedded({ processes: [Counter, Reporter] });
    const lines: string[] = [];
    try {
      const report = await runDemo(praas, (line) => lines.push(line));
      assert.equal(report.total, 12);
      assert.equal(report.additions, 2);
      assert.equal(report.lastAddition, 7);
      assert.ok(report.startedAt instanceof Date);
      assert.equal(report.lastCaller, 'add');
      assert.ok(lines.some((l) => /status swapped, snapshot generation 1/.test(l)));
      assert.ok(lines.some((l) => /read its unread messages: sum 6/.test(l)));
      assert.ok(lines.some((l) => /has no function 'reset'; its functions are: add, collect, report/.test(l)));
    } finally {
      await praas.close();
    }
  });
});
