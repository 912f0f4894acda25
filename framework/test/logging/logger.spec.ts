import assert from 'node:assert/strict';
import { PraasError } from '../../src/errors';
import { JsonLogger, MemoryLogger, parseLogLevel, silentLogger } from '../../src/logging/logger';
import { loggerFromEnv, parseLogFormat, PinoLogger } from '../../src/logging/pino-logger';

describe('Logger', () => {
  it('writes one JSON object per line with level, time, message, bindings and fields', () => {
    const lines: string[] = [];
    const log = new JsonLogger({ level: 'debug', write: (l) => lines.push(l) }).child({ app: 'shop', host: 'h1' });
    log.child({ pid: 'cart-1' }).info('swapped out', { bytes: 2048, ms: 12 });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]!.endsWith('\n'));
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(record['level'], 'info');
    assert.equal(record['msg'], 'swapped out');
    assert.equal(typeof record['time'], 'number');
    assert.deepEqual(
      { app: record['app'], host: record['host'], pid: record['pid'], bytes: record['bytes'] },
      { app: 'shop', host: 'h1', pid: 'cart-1', bytes: 2048 },
    );
  });

  it('drops records below its level and writes nothing when silent', () => {
    const lines: string[] = [];
    const log = new JsonLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('not written');
    log.debug('not written');
    log.warn('written');
    assert.equal(lines.length, 1);
    assert.equal(log.isLevelEnabled('info'), false);
    assert.equal(log.isLevelEnabled('error'), true);
    assert.equal(silentLogger.isLevelEnabled('fatal'), false);
  });

  it('writes an err field with its type, code, message, stack and cause', () => {
    const log = new MemoryLogger();
    const cause = new Error('connection reset');
    log.error('checkpoint failed', { err: new PraasError('SWAP_FAILED', 'upload failed', { cause }) });
    const err = log.records[0]!['err'] as Record<string, unknown>;
    assert.equal(err['code'], 'SWAP_FAILED');
    assert.equal(err['message'], 'upload failed');
    assert.match(String(err['stack']), /upload failed/);
    assert.equal((err['cause'] as Record<string, unknown>)['message'], 'connection reset');
  });

  it('survives cycles, bigints and bytes in fields', () => {
    const lines: string[] = [];
    const cyclic: Record<string, unknown> = { name: 'a' };
    cyclic['self'] = cyclic;
    new JsonLogger({ write: (l) => lines.push(l) }).info('odd fields', {
      cyclic,
      big: 10n ** 20n,
      bytes: new Uint8Array(3),
    });
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(record['big'], '100000000000000000000');
    assert.equal(record['bytes'], '<3 bytes>');
    assert.equal((record['cyclic'] as Record<string, unknown>)['self'], '[Circular]');
  });

  it('children share the records of a MemoryLogger', () => {
    const log = new MemoryLogger('info');
    log.child({ pid: 'p' }).warn('late');
    log.debug('dropped');
    assert.equal(log.records.length, 1);
    assert.equal(log.at('warn', 'late')[0]?.['pid'], 'p');
  });

  it('takes its level from PRAAS_LOG_LEVEL and names the levels when it is wrong', () => {
    assert.equal(loggerFromEnv({ PRAAS_LOG_LEVEL: 'error' }).isLevelEnabled('warn'), false);
    assert.equal(loggerFromEnv({}).isLevelEnabled('info'), true);
    assert.throws(
      () => loggerFromEnv({ PRAAS_LOG_LEVEL: 'loud' }),
      /PRAAS_LOG_LEVEL 'loud' is not a level: use one of trace/,
    );
    assert.equal(parseLogLevel(' WARN '), 'warn');
  });

  it('takes its format from PRAAS_LOG_FORMAT and names the formats when it is wrong', () => {
    assert.equal(parseLogFormat(undefined), 'json');
    assert.equal(parseLogFormat(' Pretty '), 'pretty');
    assert.throws(
      () => loggerFromEnv({ PRAAS_LOG_FORMAT: 'xml' }),
      /PRAAS_LOG_FORMAT 'xml' is not a format: use json or pretty/,
    );
  });
});

describe('PinoLogger', () => {
  function capture(level: 'debug' | 'warn' = 'debug'): { lines: string[]; log: PinoLogger } {
    const lines: string[] = [];
    return { lines, log: new PinoLogger({ level, destination: { write: (l: string) => void lines.push(l) } }) };
  }

  it('writes JSON records with the level as a name, epoch time, message, bindings and fields', () => {
    const { lines, log } = capture();
    log.child({ app: 'shop', host: 'h1' }).child({ pid: 'cart-1' }).info('swapped out', { bytes: 2048, ms: 12 });
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual(
      { level: record['level'], msg: record['msg'], app: record['app'], host: record['host'], pid: record['pid'] },
      { level: 'info', msg: 'swapped out', app: 'shop', host: 'h1', pid: 'cart-1' },
    );
    assert.equal(record['bytes'], 2048);
    assert.equal(typeof record['time'], 'number');
    assert.equal(record['hostname'], undefined, 'pino base fields are left out');
  });

  it('filters by level and writes errors with code, stack and cause, bytes as their size', () => {
    const { lines, log } = capture('warn');
    log.info('not written');
    assert.equal(log.isLevelEnabled('info'), false);
    log.error('checkpoint failed', {
      err: new PraasError('SWAP_FAILED', 'upload failed', { cause: new Error('reset') }),
      state: new Uint8Array(5),
      big: 2n ** 70n,
    });
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!) as Record<string, Record<string, unknown>>;
    assert.equal(record['err']!['code'], 'SWAP_FAILED');
    assert.match(String(record['err']!['stack']), /upload failed/);
    assert.equal((record['err']!['cause'] as Record<string, unknown>)['message'], 'reset');
    assert.equal(record['state'], '<5 bytes>');
    assert.equal(record['big'], (2n ** 70n).toString());
  });
});
