import type { CommandSpec } from '../command-spec.js';
import { systemCommands } from './system.js';
import { servicesCommands } from './services.js';

/** Every built-in command, in listing order. */
export const builtinCommands: readonly CommandSpec[] = [...systemCommands, ...servicesCommands];
