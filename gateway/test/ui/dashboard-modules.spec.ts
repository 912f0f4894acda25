import assert from 'node:assert/strict';
import fc from 'fast-check';

/** The dashboard's browser modules that need no DOM, loaded as the ES modules the page loads. */
const load = async () => ({
  prom: await import('../../ui/src/prom-text.mjs'),
  history: await import('../../ui/src/metric-history.mjs'),
  events: await import('../../ui/src/event-stream.mjs'),
  format: await import('../../ui/src/format.mjs'),
});

describe('dashboard modules (metrics text, rates and quantiles, event stream, formats)', function () {
  let prom: Modules['prom'];
  let history: Modules['history'];
  let events: Modules['events'];
  let format: Modules['format'];
  type Modules = Awaited<ReturnType<typeof load>>;

  before(async () => {
    ({ prom, history, events, format } = await load());
  });

  it('parses the Prometheus text format: labels with escapes, special values, comments and junk skipped', () => {
    const samples = prom.parsePrometheusText(
      [
        '# HELP praas_processes Processes per application and status.',
        '# TYPE praas_processes gauge',
        'praas_processes{app="shop",status="active"} 3',
        'praas_gateway_invocation_duration_seconds_bucket{le="+Inf",app="a\\"b\\\\c",fn="x"} 12 1700000000000',
        'up NaN',
        'not a sample {',
        '',
      ].join('\n'),
    );
    assert.deepEqual(samples.slice(0, 2), [
      { name: 'praas_processes', labels: { app: 'shop', status: 'active' }, value: 3 },
      {
        name: 'praas_gateway_invocation_duration_seconds_bucket',
        labels: { le: '+Inf', app: 'a"b\\c', fn: 'x' },
        value: 12,
      },
    ]);
    assert.equal(samples.length, 3);
    assert.ok(Number.isNaN(samples[2]!.value));
  });

  it('computes counter rates between scrapes, summing series and counting a reset as a restart', () => {
    const sample = (labels: Record<string, string>, value: number) => ({ name: 'calls_total', labels, value });
    const prev = { at: 0, samples: [sample({ app: 'a', outcome: 'ok' }, 10), sample({ app: 'a', outcome: 'E' }, 4)] };
    const cur = {
      at: 2_000,
      samples: [sample({ app: 'a', outcome: 'ok' }, 30), sample({ app: 'a', outcome: 'E' }, 2)],
    };
    assert.equal(history.rateBetween(prev, cur, 'calls_total', { app: 'a', outcome: 'ok' }), 10);
    assert.equal(history.rateBetween(prev, cur, 'calls_total', { app: 'a', outcome: '!ok' }), 1, 'reset: 2 new');
    assert.equal(history.rateBetween(prev, cur, 'calls_total', { app: 'b' }), 0);
    assert.equal(history.sumOf(cur.samples, 'calls_total', { app: 'a' }), 32);
  });

  it('takes latency quantiles from the histogram buckets observed between scrapes, as histogram_quantile does', () => {
    const buckets = (counts: [string, number][]) =>
      counts.map(([le, value]) => ({ name: 'lat_bucket', labels: { app: 'a', le }, value }));
    const prev = {
      at: 0,
      samples: buckets([
        ['0.1', 5],
        ['1', 5],
        ['+Inf', 5],
      ]),
    };
    const cur = {
      at: 5_000,
      samples: buckets([
        ['0.1', 15],
        ['1', 25],
        ['+Inf', 25],
      ]),
    };
    // Between the scrapes: 10 under 0.1 s, 10 between 0.1 and 1 s.
    assert.equal(history.quantileBetween(0.5, prev, cur, 'lat', { app: 'a' }), 0.1);
    assert.ok(Math.abs(history.quantileBetween(0.75, prev, cur, 'lat', { app: 'a' })! - 0.55) < 1e-9);
    assert.equal(history.quantileBetween(0.5, cur, cur, 'lat'), undefined, 'nothing observed');
    assert.equal(
      history.histogramQuantile(0.99, [
        [1, 1],
        [Infinity, 10],
      ]),
      1,
      'the top bucket answers its lower bound',
    );
  });

  it('keeps a bounded history and draws one point per pair of scrapes', () => {
    const h = new history.MetricHistory(3);
    for (let i = 0; i < 5; i++) h.add({ at: i * 1000, samples: [{ name: 'c', labels: {}, value: i * 10 }] });
    assert.equal(h.size, 3);
    assert.deepEqual(
      h.series((p, c) => history.rateBetween(p, c, 'c')),
      [
        { t: 3000, v: 10 },
        { t: 4000, v: 10 },
      ],
    );
    assert.deepEqual(
      h.gauge((s) => history.sumOf(s.samples, 'c')),
      [20, 30, 40].map((v, i) => ({ t: (i + 2) * 1000, v })),
    );
  });

  it('reads server-sent events however the stream is cut into chunks', () => {
    const stream =
      ': watching\n\nevent: snapshot\ndata: {"type":"snapshot"}\n\n' +
      'id: 7\r\nevent: put\r\ndata: {"a":\r\ndata: 1}\r\n\r\n: keep-alive\n\nevent: synced\ndata: {}\n\n';
    const expected = [
      { event: 'snapshot', data: '{"type":"snapshot"}' },
      { event: 'put', data: '{"a":\n1}', id: '7' },
      { event: 'synced', data: '{}', id: '7' },
    ];
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), (cuts) => {
        const parser = new events.EventStreamParser();
        const at = [0, ...[...new Set(cuts)].sort((a, b) => a - b), stream.length];
        const got = at.slice(1).flatMap((end, i) => parser.feed(stream.slice(at[i], end)));
        assert.deepEqual(got, expected);
      }),
    );
  });

  it('formats bytes, durations and rates for people, and rounds chart axes to 1, 2 or 5', () => {
    assert.equal(format.formatBytes(512), '512 B');
    assert.equal(format.formatBytes(3.5 * 1024 * 1024), '3.5 MiB');
    assert.equal(format.formatBytes(undefined), '–');
    assert.equal(format.formatSeconds(0.0125), '12.5 ms');
    assert.equal(format.formatSeconds(0.0004), '400 µs');
    assert.equal(format.formatSeconds(2.5), '2.5 s');
    assert.equal(format.formatRate(0), '0/s');
    assert.equal(format.formatRate(1500), '1.5k/s');
    assert.equal(format.formatAgo(10_000, 14_000), '4 s ago');
    assert.deepEqual([0, 0.3, 3, 7, 12, 450].map(format.niceCeiling), [1, 0.5, 5, 10, 20, 500]);
  });
});
