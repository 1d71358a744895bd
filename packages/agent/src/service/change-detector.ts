import type { ParsedFile } from '../registry/command-spec.js';
import { compareText } from '@infrastructor/shared';
import type { FileChange } from '../store/store-types.js';

export type { ChangeKind, FileChange } from '../store/store-types.js';

/**
 * Pure: compare the files a file-based command saw now with the hashes
 * stored last time. The first collection of a host/command reports every
 * file as created (the store starts empty).
 */
export function detectChanges(previous: ReadonlyMap<string, string>, current: readonly ParsedFile[]): FileChange[] {
  const changes: FileChange[] = [];
  const seen = new Set<string>();
  for (const file of current) {
    if (seen.has(file.path)) continue;
    seen.add(file.path);
    const old = previous.get(file.path);
    if (old === undefined) changes.push({ path: file.path, change: 'created', oldHash: null, newHash: file.hash });
    else if (old !== file.hash) changes.push({ path: file.path, change: 'modified', oldHash: old, newHash: file.hash });
  }
  for (const [path, hash] of previous) {
    if (!seen.has(path)) changes.push({ path, change: 'deleted', oldHash: hash, newHash: null });
  }
  return changes.sort((a, b) => compareText(a.path, b.path));
}
