import type { Suite } from '../runner';
import { runSwapBench } from './swap.bench';

const SIZES = ['1KiB', '1MiB', '10MiB', '100MiB'];

/**
 * The swap benchmark in the runner: swap-out and swap-in against the raw put and get of the same
 * bytes to the same S3 endpoint, per state size, and the peak extra memory of the 100 MiB swap.
 */
export const swapSuite: Suite = {
  name: 'swap',
  async run(context) {
    const report = await runSwapBench({ quick: context.quick });
    const m = new Map(Object.entries(report.samplesNs).map(([name, ns]) => [name, context.record(name, ns)]));
    for (const size of SIZES) {
      const pair = (a: string, b: string, key: string): void => {
        const subject = m.get(`${a}_${size}`);
        const baseline = m.get(`${b}_${size}`);
        if (subject && baseline) context.ratio(key, subject, baseline);
      };
      pair('swapout', 'raw_put', `swapout_vs_raw_put_${size}`);
      pair('swapin', 'raw_get', `swapin_vs_raw_get_${size}`);
    }
    for (const [key, value] of Object.entries(report.ratios)) {
      if (key.startsWith('peak_extra_mem')) context.note(`${key}: ${value} (peak extra memory / state size)`);
    }
    context.note(
      `swap endpoint: ${report.extra.endpointKind} ${report.extra.endpoint}; chunks ${report.extra.chunkBytes} B x${report.extra.concurrency}`,
    );
  },
};
