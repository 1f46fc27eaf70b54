// A small tmpfs for disk-full tests: a file system a test can fill to its last block.
import { after } from 'node:test';
import { spawnSyncCapped } from '../helpers/processes.js';
import { tempDir } from './helpers.js';

const mounted: string[] = [];
// At the file's top level (imported before its suites), so no suite's end unmounts another suite's tmpfs.
after(() => {
  for (const dir of mounted) spawnSyncCapped('umount', [dir]);
});

/** Mounts a tmpfs of `size` at a fresh folder (unmounted after the file); null where this machine does not allow it (not root). */
export function mountTmpfs(size: string): string | null {
  const dir = tempDir('steward-mnt-');
  const r = spawnSyncCapped('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  if (r.status !== 0) return null;
  mounted.push(dir);
  return dir;
}
