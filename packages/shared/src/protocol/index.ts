export * from './constants.js';
export * from './agent-messages.js';
export * from './subscriber-messages.js';
export * from './topics.js';
