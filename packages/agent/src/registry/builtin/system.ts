import type { CommandSpec } from '../command-spec.js';
// Placeholder: filled in by the system-commands work (system_metrics, disk_usage, ...).
export const systemCommands: readonly CommandSpec[] = [];
