// .steward/up.json: where this workspace's `steward up` listens, so `status`, `mcp --http` and people can find it.
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from './instance-lock.js';

/** What `steward up` writes once it listens; removed when it stops. */
export interface UpFile {
  pid: number;
  host: string;
  port: number;
  url: string;
  mcp_url: string;
  started_at: string;
}

/** The path of a workspace's up.json. */
export const upFilePath = (stewardDir: string): string => join(stewardDir, 'up.json');

/** Writes up.json whole (a reader never sees half of it). */
export function writeUpFile(stewardDir: string, info: UpFile): void {
  const path = upFilePath(stewardDir);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`);
  renameSync(tmp, path);
}

/** Removes up.json if it is still ours. */
export function removeUpFile(stewardDir: string, pid = process.pid): void {
  if (readUpFile(stewardDir)?.info.pid === pid) rmSync(upFilePath(stewardDir), { force: true });
}

/** up.json and whether its process is still alive (a crashed `up` leaves a stale one); undefined when absent. */
export function readUpFile(stewardDir: string): { info: UpFile; alive: boolean } | undefined {
  let info: UpFile;
  try {
    info = JSON.parse(readFileSync(upFilePath(stewardDir), 'utf8')) as UpFile;
  } catch {
    return undefined;
  }
  if (typeof info?.pid !== 'number' || typeof info.url !== 'string') return undefined;
  return { info, alive: alive(info.pid) };
}
