// Tick step 1 (files): inbox/*.md → proposals (source `file`); the file moves to done/ or rejected/, never deleted.
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, renameSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { StewardError } from '../core/errors.js';
import type { ProposeInput } from '../core/schemas.js';
import type { OpContext, Proposal } from '../core/types.js';
import { logEvent, proposeTask } from '../ops/index.js';
import type { Store } from '../store/open-store.js';
import { isStoreFailure } from '../store/sqlite-errors.js';
import { ensureRealFolder, INBOX_FOLDERS_KEY, inboxFolderProblems, writeFileNoFollow, type FolderProblem } from './inbox-dirs.js';
import { displayName, movedName } from './inbox-names.js';
import { INBOX_DONE, INBOX_NEW, INBOX_REJECTED, listInboxFiles, type InboxFile } from './inbox-files.js';
import { INBOX_MAX_BYTES, isSettled, parseInboxFile } from './parse-inbox-file.js';

/** What one pass over the inbox did. Files another process moved first are in no list. */
export interface IngestReport {
  ingested: Array<{ file: string; proposal_id: number; status: Proposal['status']; moved_to: string }>;
  rejected: Array<{ file: string; reason: string; moved_to: string }>;
  /** Files left for a later tick: still being written. */
  waiting: string[];
  /** Files a step failed on (a read or a rename): left in place, reported once, tried again by the next tick. */
  failed: Array<{ file: string; reason: string }>;
  /** Inbox folders that are links or not folders: while there is one, nothing is read, moved or written. */
  refused_folders?: FolderProblem[];
}

/** The meta key holding the folder problems last reported (each change is reported once). */
const FOLDERS_KEY = INBOX_FOLDERS_KEY;

/** The meta key that records which proposal a file became, so a retry after a crash creates nothing twice. */
export function inboxFileKey(identity: string): string {
  return `inbox.file:${identity}`;
}

/** A file's identity: device, inode, size, mtime and content. Stable until it is edited; a new drop differs. */
export function fileIdentity(stats: Stats, content?: Buffer): string {
  const h = createHash('sha256').update(`${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}\0`);
  if (content) h.update(content);
  return h.digest('hex').slice(0, 32);
}

/** Creates the proposal for a file once: a second call with the same identity returns the first proposal. */
export function recordInboxProposal(
  store: Store,
  ctx: OpContext,
  identity: string,
  label: string,
  input: ProposeInput,
): { proposal: Proposal; again: boolean } {
  return store.tx(() => {
    const key = inboxFileKey(identity);
    const seen = store.meta.get(key);
    const earlier = seen === undefined ? undefined : store.proposals.get(Number(seen));
    if (earlier) return { proposal: earlier, again: true };
    const { proposal } = proposeTask(store, input, { ...ctx, actor: `inbox:${label}` }, 'file');
    store.meta.set(key, String(proposal.id));
    return { proposal, again: false };
  });
}

/** Ingests every settled file of `inboxDir` (and every file of `inboxDir/new/`). Safe from two processes at once. */
export function ingestInbox(store: Store, ctx: OpContext, inboxDir: string): IngestReport {
  const report: IngestReport = { ingested: [], rejected: [], waiting: [], failed: [] };
  const problems = inboxFolderProblems(inboxDir);
  noteFolderProblems(store, ctx, problems);
  if (problems.length > 0) {
    report.refused_folders = problems;
    return report;
  }
  let files: InboxFile[];
  try {
    files = listInboxFiles(inboxDir);
  } catch (err) {
    noteFailure(store, ctx, 'inbox/', `inbox:${errorText(err)}`, err, report);
    return report;
  }
  for (const file of files) {
    const label = file.renamed ? `${INBOX_NEW}/${displayName(file.name)}` : displayName(file.name);
    try {
      ingestFile(store, ctx, inboxDir, file, label, report);
    } catch (err) {
      // One file never stops the tick: what failed is recorded against it; only the database's own failure goes up.
      if (isStoreFailure(err)) throw err;
      noteFailure(store, ctx, label, `file:${fileIdentity(file.stats)}:${label}`, err, report);
    }
  }
  return report;
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e?.code ? `${e.code}: ${e.message}` : err instanceof Error ? err.message : String(err);
}

/** Records a failure against one file (or folder): in the report every time, as an event (for the digest) once. */
function noteFailure(store: Store, ctx: OpContext, label: string, identity: string, err: unknown, report: IngestReport): void {
  const reason = `could not handle it (${errorText(err)}): left in place, tried again on each tick`;
  report.failed.push({ file: label, reason });
  const key = `inbox.failed:${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
  store.tx(() => {
    if (store.meta.get(key) !== undefined) return;
    store.meta.set(key, String(ctx.now));
    logEvent(store, ctx, 'inbox_rejected', {}, reason, { file: label });
  });
}

/** Reports links among the inbox folders once per change (an event the digest shows), and forgets them once fixed. */
function noteFolderProblems(store: Store, ctx: OpContext, problems: FolderProblem[]): void {
  const text = problems.length ? JSON.stringify(problems) : undefined;
  const stored = store.read(() => store.meta.get(FOLDERS_KEY));
  if (stored === text) return;
  store.tx(() => {
    if (store.meta.get(FOLDERS_KEY) === text) return;
    if (text === undefined) store.meta.delete(FOLDERS_KEY);
    else store.meta.set(FOLDERS_KEY, text);
    for (const p of problems) logEvent(store, ctx, 'inbox_rejected', {}, `inbox refused: ${p.reason}`, { file: p.folder });
  });
}

function ingestFile(store: Store, ctx: OpContext, inboxDir: string, f: InboxFile, label: string, report: IngestReport): void {
  const refuse = (reason: string, identity: string) => rejectFile(store, ctx, inboxDir, f, label, reason, identity, report);
  if (!f.stats.isFile()) return refuse('not a regular file (links and devices are refused)', fileIdentity(f.stats));
  if (f.stats.nlink > 1) {
    return refuse(`a hard-linked file (${f.stats.nlink} links) is refused unread: copy the file into the inbox instead`, fileIdentity(f.stats));
  }
  if (!f.renamed && !isSettled(f.stats.mtimeMs, ctx.now)) {
    report.waiting.push(label);
    return;
  }
  if (f.stats.size > INBOX_MAX_BYTES) {
    return refuse(`too large: ${f.stats.size} bytes (the limit is ${INBOX_MAX_BYTES} bytes, 1 MB)`, fileIdentity(f.stats));
  }
  const content = readIfPresent(f.path);
  if (content === undefined) return; // another tick moved it
  if (content.length !== f.stats.size) {
    report.waiting.push(label); // it changed while we read it
    return;
  }
  const identity = fileIdentity(f.stats, content);
  const parsed = parseInboxFile(f.name, content);
  if (!parsed.ok) return refuse(parsed.reason, identity);
  let proposal: Proposal;
  try {
    ({ proposal } = recordInboxProposal(store, ctx, identity, label, parsed.proposal));
  } catch (err) {
    if (err instanceof StewardError && (err.code === 'VALIDATION' || err.code === 'PARSE_ERROR')) return refuse(err.message, identity);
    throw err;
  }
  const target = movedName(stem(f.name), `.p${proposal.id}.md`);
  if (!moveUnchanged(f, join(inboxDir, INBOX_DONE), target)) return;
  report.ingested.push({ file: label, proposal_id: proposal.id, status: proposal.status, moved_to: `${INBOX_DONE}/${target}` });
}

function rejectFile(
  store: Store,
  ctx: OpContext,
  inboxDir: string,
  f: InboxFile,
  label: string,
  reason: string,
  identity: string,
  report: IngestReport,
): void {
  const dir = join(inboxDir, INBOX_REJECTED);
  const target = movedName(stem(f.name), `.${identity.slice(0, 8)}.md`);
  // Whoever wins the rename writes the reason and logs it; the loser does nothing.
  if (!moveUnchanged(f, dir, target)) return;
  writeFileNoFollow(join(dir, `${target}.reason`), `${reason}\n`);
  const movedTo = `${INBOX_REJECTED}/${target}`;
  store.tx(() => logEvent(store, ctx, 'inbox_rejected', {}, reason, { file: label, moved_to: movedTo }));
  report.rejected.push({ file: label, reason, moved_to: movedTo });
}

function stem(name: string): string {
  return name.replace(/\.md$/i, '');
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Renames the file into `dir/name` if it is still the file we looked at; false when it is gone or was replaced. */
function moveUnchanged(f: InboxFile, dir: string, name: string): boolean {
  try {
    const now = lstatSync(f.path);
    if (now.ino !== f.stats.ino || now.size !== f.stats.size || now.mtimeMs !== f.stats.mtimeMs) return false;
    ensureRealFolder(dir); // never a link: the file must not leave the workspace
    renameSync(f.path, join(dir, name));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}
