/** MapReduce word count on PraaS: mappers send words to reducers that fold them with a batch trigger. */
export { generateText, referenceCount, reducerIndex, splitChunks, tokenize, vocabularyOf, type TextSpec } from './text';
export { Mapper, type MapReport, type MapRequest } from './mapper.process';
export { FOLD_BATCH, WordReducer, type ReducerStatus } from './reducer.process';
export {
  runWordCount,
  type WordCountHooks,
  type WordCountOptions,
  type WordCountProcesses,
  type WordCountRun,
} from './run-wordcount';
