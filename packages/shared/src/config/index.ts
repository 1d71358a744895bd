export * from './config-problem.js';
export * from './config-file.js';
export * from './key-path.js';
export * from './closest-key.js';
export * from './describe-node.js';
export * from './yaml-reader.js';
export * from './read-scalars.js';
