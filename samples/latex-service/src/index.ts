/** The collaborative document service of the PraaS case study, stateful and stateless. */
export { Project, type CompiledOutput, type FetchedOutput, type FileContent, type FileEntry } from './project.process';
export { StatelessLatex, type LatexBackend } from './stateless-latex';
export { S3Bucket, type S3BucketOptions } from '@praas/samples-shared';
export {
  compileIncremental,
  assembleDocument,
  documentOrder,
  fragmentHash,
  type CachedFragment,
  type CompileReport,
  type CompileResult,
} from './incremental-compiler';
export { renderMarkdown, escapeHtml, RENDERER_VERSION } from './renderer';
export {
  FileNotFoundError,
  InvalidContentError,
  InvalidFileNameError,
  NotCompiledError,
  MAX_FILE_CHARS,
  validateFileName,
  validateContent,
  validateUpdate,
  type ProjectFile,
  type UpdateFileRequest,
} from './project-files';
export {
  processBackend,
  runLatexWorkload,
  generateFile,
  type LatexWorkloadOptions,
  type LatexWorkloadResult,
} from './workload';
export { runLatexDemo, type LatexDemoResult } from './demo';
