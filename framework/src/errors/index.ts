export * from './error-codes';
export * from './praas-error';
export * from './errors';
export * from './wire-error';
export * from './fault-log';
export * from './last-resort';
