import assert from 'node:assert/strict';
import type { ProcessPageQuery, Registry } from '../registry/registry';
import { appName, processRecord, type MakeRegistry } from './registry-fixtures';

/** The registry contract's cases of `listProcessPage`; registered into the calling `describe`. */
export function registryPageCases(make: MakeRegistry): void {
  /** Every record of a walk through the pages, and the sizes of the pages. */
  const walkPages = async (
    r: Registry,
    app: string,
    query: ProcessPageQuery,
    between?: (page: number) => Promise<void>,
  ): Promise<{ pids: string[]; sizes: number[] }> => {
    const pids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await r.listProcessPage(app, { ...query, ...(cursor === undefined ? {} : { cursor }) });
      pids.push(...page.processes.map((p) => p.pid));
      sizes.push(page.processes.length);
      cursor = page.cursor;
      if (cursor !== undefined) await between?.(sizes.length);
    } while (cursor !== undefined && sizes.length < 1_000);
    return { pids, sizes };
  };

  it('pages through the process records: each once, at most the limit per page, the last page without a cursor', async () => {
    const [writer, reader] = [await make(), await make()];
    const app = appName();
    const other = appName();
    const pids = Array.from({ length: 23 }, (_, i) => `p${String(i).padStart(2, '0')}`);
    for (const pid of pids) await writer.putProcess(processRecord(app, pid));
    await writer.putProcess(processRecord(other, 'p00'));
    await writer.deleteProcess(app, 'p05');
    await writer.putProcess(processRecord(app, 'p07', { status: 'swapped' }));
    const { pids: listed, sizes } = await walkPages(reader, app, { limit: 5 });
    assert.deepEqual(
      [...listed].sort(),
      pids.filter((p) => p !== 'p05'),
    );
    assert.deepEqual(sizes, [5, 5, 5, 5, 2]);
    assert.deepEqual(await walkPages(reader, app, { limit: 22 }), { pids: listed, sizes: [22] });
    assert.deepEqual(await reader.listProcessPage(appName()), { processes: [] });
    const first = await reader.listProcessPage(app);
    assert.equal(first.processes.length, 22, 'the default limit holds them all');
    assert.equal(first.cursor, undefined);
  });

  it('filters pages by status, class and host, looking at a bounded number of records per page', async () => {
    const r = await make();
    const app = appName();
    for (let i = 0; i < 12; i++)
      await r.putProcess(
        processRecord(app, `p${i}`, {
          status: i % 3 === 0 ? 'swapped' : 'active',
          processClass: i % 2 === 0 ? 'Even' : 'Odd',
          ...(i % 3 === 0 ? {} : { host: i % 4 === 1 ? 'h1' : 'h2' }),
        }),
      );
    const sorted = async (query: ProcessPageQuery): Promise<string[]> =>
      (await walkPages(r, app, { limit: 2, ...query })).pids.sort();
    assert.deepEqual(await sorted({ status: 'swapped' }), ['p0', 'p3', 'p6', 'p9']);
    assert.deepEqual(await sorted({ processClass: 'Odd', status: 'active' }), ['p1', 'p11', 'p5', 'p7']);
    assert.deepEqual(await sorted({ host: 'h1' }), ['p1', 'p5']);
    assert.deepEqual(await sorted({ host: 'h1', processClass: 'Even' }), []);
  });

  it('returns a record written during a walk with its newer content, and every unchanged one once', async () => {
    const r = await make();
    const app = appName();
    for (let i = 0; i < 9; i++) await r.putProcess(processRecord(app, `p${i}`));
    const { pids } = await walkPages(r, app, { limit: 3 }, async (page) => {
      if (page === 1) await r.putProcess(processRecord(app, 'p8', { status: 'swapped' }));
    });
    assert.deepEqual([...pids].sort(), ['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
    const swapped = await walkPages(r, app, { limit: 3, status: 'swapped' });
    assert.deepEqual(swapped.pids, ['p8']);
  });

  it('refuses a page query with a limit out of range, an unknown status or a cursor it did not give', async () => {
    const r = await make();
    const app = appName();
    await r.putProcess(processRecord(app, 'p1'));
    for (const query of [{ limit: 0 }, { limit: 1_001 }, { limit: 2.5 }, { status: 'sleeping' }, { cursor: 'abc' }])
      await assert.rejects(r.listProcessPage(app, query as ProcessPageQuery), { code: 'INVALID_ARGUMENT' });
    await assert.rejects(r.listProcessPage(app, { processClass: 'no.dots' }), { code: 'INVALID_NAME' });
  });
}
