import assert from 'node:assert/strict';
import {
  decodeEnvelope,
  encodeWire,
  Fn,
  processDefinitionOf,
  Process,
  schedule,
  startsPerInvocation,
  standard,
  batch,
} from '../../src/internal';

describe('schedule() trigger', () => {
  it('records a recurring schedule on the function, which stays callable per invocation', () => {
    @Process({ name: 'nightly' })
    class Nightly {
      @Fn({ trigger: schedule({ cron: '0 3 * * *', tz: 'Europe/Berlin' }) }) report(): void {}
      @Fn({ trigger: schedule({ every: '5m', catchUp: 'skip' }) }) flush(): void {}
    }
    const fns = processDefinitionOf(Nightly).functions;
    assert.deepEqual(fns.get('report')!.trigger, {
      kind: 'schedule',
      spec: { cron: '0 3 * * *', tz: 'Europe/Berlin' },
    });
    assert.deepEqual(fns.get('flush')!.trigger, { kind: 'schedule', spec: { every: '5m', catchUp: 'skip' } });
    assert.equal(startsPerInvocation(fns.get('flush')!.trigger), true);
    assert.equal(startsPerInvocation(standard()), true);
    assert.equal(startsPerInvocation(batch({ size: 2 })), false);
  });

  it('rejects what is not a valid recurring schedule, naming it', () => {
    assert.throws(() => schedule({ every: '5 minutes' }), /every must be a positive integer/);
    assert.throws(() => schedule({ cron: '61 * * * *' }), /minute/);
    assert.throws(() => schedule({ cron: '0 3 * * *', tz: 'Mars/Base' }), /Mars\/Base/);
    assert.throws(() => schedule({ afterMs: 10 } as never), /takes every or cron, not 'afterMs'/);
    assert.throws(() => schedule({ every: '1m', key: 'k' } as never), /not 'key'/);
    assert.throws(() => schedule({ every: '1m', cron: '* * * * *' }), /exactly one/);
    assert.throws(() => schedule(undefined as never), /takes \{ every \} or \{ cron, tz\? \}/);
  });
});

describe('timer firings on the wire', () => {
  const base = { t: 'inv', id: 'tmr-x-1-2', from: 'timer:x', fn: 'ring', data: new Uint8Array() };

  it('carries ctx.timer in an invocation', () => {
    const timer = { id: 'x', attempt: 2, scheduledAt: 1_700_000_000_000 };
    assert.deepEqual(decodeEnvelope(encodeWire({ ...base, timer })), { ...base, timer });
  });

  it('rejects a malformed timer field', () => {
    assert.throws(() => decodeEnvelope(encodeWire({ ...base, timer: { id: 'x', attempt: '2' } })), /field 'timer'/);
  });
});
