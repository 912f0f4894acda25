/** One sample of the Prometheus text format: `name{labels} value`. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/**
 * The samples of a Prometheus text exposition (what the gateway's `/metrics` answers). Comments
 * (`# HELP`, `# TYPE`) and timestamps are dropped; a line that is not a sample is skipped rather
 * than failing the whole page.
 */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseLine(line);
    if (sample) samples.push(sample);
  }
  return samples;
}

function parseLine(line: string): Sample | undefined {
  const name = NAME.exec(line)?.[0];
  if (name === undefined) return undefined;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (at < line.length && line[at] !== '}') {
      const labelName = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(line.slice(at));
      if (!labelName) return undefined;
      at += labelName[0].length;
      let value = '';
      for (; at < line.length && line[at] !== '"'; at++) {
        const c = line[at]!;
        if (c !== '\\') value += c;
        else {
          const next = line[++at];
          value += next === 'n' ? '\n' : (next ?? '');
        }
      }
      labels[labelName[1]!] = value;
      at++;
      while (line[at] === ',' || line[at] === ' ') at++;
    }
    if (line[at] !== '}') return undefined;
    at++;
  }
  const value = parseValue(line.slice(at).trim().split(/\s+/)[0] ?? '');
  return value === undefined ? undefined : { name, labels, value };
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const n = Number(text);
  return text === '' || Number.isNaN(n) ? undefined : n;
}
