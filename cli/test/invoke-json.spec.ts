import assert from 'node:assert/strict';
import { createEmbedded, type EmbeddedPraas } from '@praas/embedded';
import { Fn, Process } from '@praas/framework';
import { Gateway } from '@praas/gateway';
import { cli } from './temp-project';

@Process()
class Printed {
  @Fn() rich(): unknown {
    return {
      at: new Date('2024-05-06T07:08:09.000Z'),
      big: 2n ** 70n,
      bytes: new Uint8Array([104, 105]),
      floats: new Float64Array([0.5, 1.5]),
      tags: new Map([['k', 'v']]),
    };
  }
}

describe('praas-framework invoke --json against a live gateway', () => {
  let praas: EmbeddedPraas;
  let gateway: Gateway;
  let url: string;
  before(async () => {
    praas = await createEmbedded({ processes: [Printed] });
    gateway = new Gateway({ controlPlane: praas.controlPlane, stopGraceMs: 2_000 });
    url = (await gateway.start({ host: '127.0.0.1', httpPort: 0, grpcPort: 0 })).httpUrl;
  });
  after(async () => {
    await gateway.stop();
    await praas.close();
  });

  it("prints the gateway's JSON mapping of the result", async () => {
    await praas.controlPlane.createApp('printed');
    await praas.controlPlane.createProcess('printed', { pid: 'p' });
    const result = await cli('invoke', 'printed', 'rich', '--pid', 'p', '--gateway', url, '--json');
    assert.equal(result.code, 0, result.err.join('\n'));
    assert.deepEqual(JSON.parse(result.out.join('\n')), {
      at: '2024-05-06T07:08:09.000Z',
      big: '1180591620717411303424',
      bytes: 'aGk=',
      floats: [0.5, 1.5],
      tags: [['k', 'v']],
    });
  });
});
