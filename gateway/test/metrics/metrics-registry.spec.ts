import assert from 'node:assert/strict';
import { MetricsRegistry } from '../../src/metrics/metrics-registry';

describe('MetricsRegistry (Prometheus text format)', () => {
  it('renders counters with HELP, TYPE and escaped label values', async () => {
    const r = new MetricsRegistry();
    const c = r.counter({ name: 'hits_total', help: 'Hits.\nSecond line \\ here', labelNames: ['path'] });
    c.inc({ path: '/a' });
    c.inc({ path: '/a' }, 2);
    c.inc({ path: 'quo"te\nnl\\bs' });
    assert.equal(
      await r.render(),
      [
        '# HELP hits_total Hits.\\nSecond line \\\\ here',
        '# TYPE hits_total counter',
        'hits_total{path="/a"} 3',
        'hits_total{path="quo\\"te\\nnl\\\\bs"} 1',
        '',
      ].join('\n'),
    );
  });

  it('renders histograms with cumulative buckets, +Inf, sum and count', async () => {
    const r = new MetricsRegistry();
    const h = r.histogram({ name: 'lat_seconds', help: 'Latency.', labelNames: ['op'], buckets: [0.1, 1] });
    h.observe({ op: 'x' }, 0.05);
    h.observe({ op: 'x' }, 0.5);
    h.observe({ op: 'x' }, 7);
    const text = await r.render();
    assert.ok(text.includes('# TYPE lat_seconds histogram'));
    assert.ok(text.includes('lat_seconds_bucket{op="x",le="0.1"} 1\n'));
    assert.ok(text.includes('lat_seconds_bucket{op="x",le="1"} 2\n'));
    assert.ok(text.includes('lat_seconds_bucket{op="x",le="+Inf"} 3\n'));
    assert.ok(text.includes('lat_seconds_sum{op="x"} 7.55\n'));
    assert.ok(text.includes('lat_seconds_count{op="x"} 3\n'));
  });

  it('computes gauges at scrape time and drops series the hook no longer sets', async () => {
    const r = new MetricsRegistry();
    let apps = ['a', 'b'];
    r.gauge({
      name: 'things',
      help: 'Things.',
      labelNames: ['app'],
      collect: async (g) => apps.forEach((app, i) => g.set({ app }, i + 1)),
    });
    assert.match(await r.render(), /things\{app="a"\} 1\nthings\{app="b"\} 2\n/);
    apps = ['b'];
    const text = await r.render();
    assert.doesNotMatch(text, /app="a"/);
    assert.match(text, /things\{app="b"\} 1\n/);
  });

  it('refuses misuse: bad names, wrong labels, shrinking counters, duplicate families, unsorted buckets', () => {
    const r = new MetricsRegistry();
    assert.throws(() => r.counter({ name: 'bad-name', help: '' }), /invalid metric name/);
    assert.throws(() => r.counter({ name: 'x', help: '', labelNames: ['le'] }), /invalid label name/);
    const c = r.counter({ name: 'c_total', help: '', labelNames: ['a'] });
    assert.throws(() => c.inc({ b: '1' }), /takes labels \{a\}/);
    assert.throws(() => c.inc({ a: '1' }, -1), /can only grow/);
    assert.throws(() => r.gauge({ name: 'c_total', help: '' }), /already registered/);
    assert.throws(() => r.histogram({ name: 'h', help: '', buckets: [1, 1] }), /strictly increasing/);
  });

  it('gauges go up and down; a timer observes a non-negative duration', async () => {
    const r = new MetricsRegistry();
    const g = r.gauge({ name: 'open', help: 'Open.' });
    g.inc();
    g.inc();
    g.dec();
    assert.equal(g.value(), 1);
    const h = r.histogram({ name: 'd_seconds', help: 'D.' });
    const seconds = h.startTimer({})();
    assert.ok(seconds >= 0);
    assert.equal(h.count({}), 1);
    assert.match(await r.render(), /open 1\n/);
  });
});
