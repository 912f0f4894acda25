/** Benchmark runner entry; suites register in later steps. */
export {};
