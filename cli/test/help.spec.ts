import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLIENT_OPTIONS, PS_OPTIONS } from '../src/commands/client-commands';
import { COMMAND_HELP } from '../src/help';
import { COMMANDS } from '../src/main';
import { cli } from './temp-project';

describe('praas-framework --help and --version', () => {
  it('prints the package version with --version', async () => {
    const own = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    const result = await cli('--version');
    assert.equal(result.code, 0);
    assert.deepEqual(result.out, [own.version]);
  });

  // The commands as the CLI dispatches them, so a command without help fails here.
  for (const [command, spec] of Object.entries(COMMANDS)) {
    it(`${command} --help exits 0 with the command's usage`, async function () {
      this.timeout(20_000); // gateway and host load their packages
      const result = await cli(command, '--help');
      assert.equal(result.code, 0, result.err.join('\n'));
      const text = result.out.join('\n');
      assert.match(text, new RegExp(`^usage: praas-framework ${command}\\b`));
      // Every option the command's parser accepts is listed.
      for (const option of Object.keys(spec.options ?? {})) {
        assert.match(text, new RegExp(`--${option}\\b`), `${command} --help lists --${option}`);
      }
      const help = COMMAND_HELP[command];
      if (help === undefined) return; // gateway and host: their packages' usage, checked below
      for (const option of Object.keys(help.options)) {
        assert.match(text, new RegExp(`--${option}\\b`), `--${option} is listed`);
        assert.ok(help.describe[option], `--${option} of ${command} is described`);
      }
      assert.match(text, /environment:/);
      for (const variable of help.env) assert.ok(text.includes(variable));
    });
  }

  it("names ps's paging and filter flags in the usage text", async () => {
    const result = await cli('help');
    assert.equal(result.code, 0);
    const text = result.out.join('\n');
    const psLines = text.slice(text.indexOf('\n  ps '), text.indexOf('\n  swap '));
    for (const option of Object.keys(PS_OPTIONS).filter((o) => !(o in CLIENT_OPTIONS)))
      assert.match(psLines, new RegExp(`--${option}\\b`), `--${option}`);
  });

  it('has help only for commands the CLI dispatches', () => {
    for (const command of Object.keys(COMMAND_HELP)) assert.ok(Object.hasOwn(COMMANDS, command), command);
  });

  it('gateway --help and host --help exit 0 with the services’ flags and environment variables', async function () {
    this.timeout(20_000); // loads the gateway and runtime packages
    const gateway = await cli('gateway', '--help');
    assert.equal(gateway.code, 0, gateway.err.join('\n'));
    assert.match(gateway.out.join('\n'), /--http-port[\s\S]*PRAAS_HTTP_PORT/);
    const host = await cli('host', '--help');
    assert.equal(host.code, 0, host.err.join('\n'));
    assert.match(host.out.join('\n'), /--module[\s\S]*PRAAS_NATS_URL/);
  });

  it('names the services by the command users run: praas-framework gateway, praas-framework host', async function () {
    this.timeout(20_000);
    for (const args of [
      ['gateway', '--help'],
      ['gateway', 'token', '--help'],
      ['host', '--help'],
    ]) {
      const result = await cli(...args);
      assert.equal(result.code, 0, result.err.join('\n'));
      const text = result.out.join('\n');
      assert.match(text, new RegExp(`^usage: praas-framework ${args.slice(0, -1).join(' ')}\\b`), args.join(' '));
      // Only praas-framework is installed as a program; no other program name may appear.
      assert.doesNotMatch(text, /praas-(gateway|host)\b/, args.join(' '));
    }
  });

  it('answers help for commands that talk to a gateway without reaching one', async () => {
    const result = await cli('ps', '--help', '--gateway', 'http://127.0.0.1:1');
    assert.equal(result.code, 0);
    assert.match(result.out.join('\n'), /PRAAS_GATEWAY_URL/);
  });
});
