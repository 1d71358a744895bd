import type { CommandSpec } from '../command-spec.js';
// Placeholder: filled in by the services-commands work (docker, zfs, proxy, compose, systemd).
export const servicesCommands: readonly CommandSpec[] = [];
