/** What every metric family offers the registry: its name and its lines in the text format. */
export interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** The sample lines (without HELP and TYPE), after running any collect hook. */
  collect(): Promise<string[]>;
}

/** Options shared by every metric family. */
export interface MetricOptions {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly string[];
}
