/** Metadata keys; the only place they are spelled. */
export const PROCESS_OPTIONS = 'praas:process';
export const FUNCTIONS = 'praas:functions';
export const STATE_FIELDS = 'praas:state';
export const MIGRATIONS = 'praas:migrations';
