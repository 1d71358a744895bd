export * from './errors.js';
export * from './codec.js';
export * from './validate.js';
export * from './records.js';
export * from './protocol/index.js';
export * from './config/index.js';
export * from './process/shutdown-on-signals.js';
