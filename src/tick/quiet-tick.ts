// The quiet tick (issue 18): `steward tick` on a queue where nothing changed. An LLM heartbeat runs the tick every
// cycle, and most cycles find nothing to do; the full tick (tick-once.ts) would still load zod, gray-matter, croner,
// the runner, dispatch and git to find that out. This pass takes the same tick lock, proves with a few file checks and
// statements that every step of the full tick would do nothing, and then takes the same digest (digest-store.ts).
// When any step might act, it hands the lock it holds to the full tick, which runs as before. Equivalent by
// construction: each check below mirrors the step it stands for, and says "not quiet" whenever it cannot tell.
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { LAST_RENDER_KEY, MARK_KEY, parseRenderMark, renderMarkFresh } from '../board/board-mark.js';
import type { Config } from '../config/schema.js';
import { handOffNotStarted } from '../core/handoff.js';
import type { OpContext, Run } from '../core/types.js';
import { INBOX_FOLDERS_KEY, inboxFolderProblems } from '../inbox/inbox-dirs.js';
import { isInboxFileName } from '../inbox/inbox-names.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { autoAcceptCandidates } from './accept-rule.js';
import type { Digest } from './digest.js';
import { takeDigest } from './digest-store.js';
import { horizonQuiet, noSchedules, SCHEDULE_HORIZON_KEY, scheduleSignature } from './schedule-horizon.js';
import { acquireTickLock, defaultLockOwner, releaseTickLock, tickJournal, type TickLock } from './tick-lock.js';

/** What the quiet tick runs on (the CLI's context). */
export interface QuietTickInput {
  workspace: Pick<Workspace, 'root' | 'inboxDir' | 'outboxDir'>;
  config: Config;
  store: Store;
  ctx: OpContext;
  /** Whose digest cursor (default the heartbeat's). */
  reader?: string;
}

/** What the quiet tick did: took the digest, found the lock busy, or found work (the full tick runs, as `owner`). */
export type QuietOutcome =
  | { quiet: true; digest: Digest }
  | { busy: { skipped: 'busy'; quiet: true; holder: string; until: string } }
  | { full: string; owner?: string };

/** Files in `dir` the inbox step would read (inbox-files.ts: NAME.md, not a folder); ENOENT is none. */
function hasInboxFile(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    return true; // the full step reports it
  }
  for (const name of names) {
    if (!isInboxFileName(name)) continue;
    try {
      if (!lstatSync(join(dir, name)).isDirectory()) return true;
    } catch {
      // moved away meanwhile, as the inbox step skips it
    }
  }
  return false;
}

/** Step 1, inbox: no folder problem now or on record, no file waiting in inbox/ or inbox/new/. */
function inboxWork(input: QuietTickInput): string | null {
  const dir = input.workspace.inboxDir;
  if (inboxFolderProblems(dir).length > 0 || input.store.meta.get(INBOX_FOLDERS_KEY) !== undefined) return 'an inbox folder problem';
  if (hasInboxFile(dir) || hasInboxFile(join(dir, 'new'))) return 'a file in the inbox';
  return null;
}

/** Step 2, outbox: nothing in it but its rejected/ folder (an entry, a temp or a reservation may need the step). */
function outboxWork(input: QuietTickInput): string | null {
  try {
    return readdirSync(input.workspace.outboxDir).some((n) => n !== 'rejected') ? 'an outbox entry' : null;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? null : 'an unreadable outbox';
  }
}

/** Step 2, reap: every running run holds its lease, and its babysitter on this host is alive (runner/tick-hooks' isDead). */
async function reapWork(input: QuietTickInput): Promise<string | null> {
  const runs: Run[] = input.store.read(() => input.store.runs.running());
  if (runs.some((r) => r.lease_expires_at <= input.ctx.now)) return 'an expired lease';
  // dispatch: openclaw offers again each hand-off no babysitter took yet (runner/dispatch.ts reofferHandOffs).
  if (input.config.dispatch === 'openclaw' && runs.some(handOffNotStarted)) return 'a hand-off to offer again';
  const host = hostname();
  const here = runs.filter((r) => r.host === host && r.pid);
  if (here.length === 0) return null;
  const { processGone } = await import('../runner/process-group.js');
  return here.some((r) => processGone(r.pid!, r.proc_start)) ? 'a run whose babysitter is gone' : null;
}

/** Steps 3–5: no proposal to accept, no schedule slot due, nothing to promote, block or unblock, merge or dispatch. */
function queueWork(input: QuietTickInput): string | null {
  const { store, config, ctx } = input;
  if (autoAcceptCandidates(store, config, 1).length > 0) return 'a proposal to accept';
  const rows = store.schedules.all();
  if (!noSchedules(config, rows) && !horizonQuiet(store.meta.get(SCHEDULE_HORIZON_KEY), scheduleSignature(config, rows), ctx.now)) {
    return 'a schedule that may be due';
  }
  if (store.tasks.unblockable().length > 0 || store.tasks.withDeadDeps().length > 0 || store.tasks.promotable(ctx.now).length > 0) {
    return 'a task to promote, block or unblock';
  }
  if (store.branches.inState('queued').some((b) => store.tasks.get(b.task_id)?.status === 'review')) return 'a branch to merge';
  // dispatch: local/openclaw claims ready work for the agent profiles; without profiles or ready tasks it claims nothing.
  if (config.dispatch !== 'none' && Object.keys(config.agents).length > 0 && (store.tasks.counts().ready ?? 0) > 0) return 'a ready task to dispatch';
  return null;
}

/** Steps 1 and 6, TASKS.md: the file is the last render, byte for byte, and a render now would write the same board. */
function boardWork(input: QuietTickInput): string | null {
  const { store, config, ctx } = input;
  const last = store.meta.get(LAST_RENDER_KEY);
  if (last === undefined) return 'no render of TASKS.md yet';
  const path = resolve(input.workspace.root, config.board.path);
  try {
    const st = statSync(path);
    // A FIFO or device is never read (it could block or never end): the full step reports it (board-file.ts).
    if (!st.isFile()) return 'TASKS.md is not a regular file';
    const size = st.size;
    // A file over twice the last render's length may be past the board's size limit: the full step decides.
    if (size !== Buffer.byteLength(last, 'utf8') || size > 2 * last.length || readFileSync(path, 'utf8') !== last) return 'TASKS.md was edited';
  } catch {
    return 'TASKS.md is missing or unreadable';
  }
  const mark = parseRenderMark(store.meta.get(MARK_KEY));
  return renderMarkFresh(mark, store.changeMark(), config.board.doneLimit, ctx.now) ? null : 'the board needs a render';
}

/** Why the full tick is needed now, or null when every one of its steps would do nothing. */
export async function fullTickReason(input: QuietTickInput): Promise<string | null> {
  const { store } = input;
  return store.read(() => inboxWork(input) ?? outboxWork(input)) ?? (await reapWork(input)) ?? store.read(() => queueWork(input) ?? boardWork(input));
}

/**
 * Runs the tick if it is quiet: under the tick lock, the checks, then the digest (as the full tick takes it: nothing
 * acted, no board lines, no notes or errors). Not quiet: returns the owner of the lock it still holds, for the full
 * tick to take over (tick-lock.ts: a lock row of the same owner is "mine"). Postgres queues always take the full tick
 * (its session lock lives there).
 */
export async function quietTick(input: QuietTickInput): Promise<QuietOutcome> {
  if (input.store.dialect !== 'sqlite') return { full: 'a Postgres queue' };
  const owner = defaultLockOwner();
  const got = acquireTickLock(input.store, owner, input.ctx.now);
  if ('busy' in got) return { busy: { skipped: 'busy', quiet: true, holder: got.busy.owner, until: new Date(got.busy.expires_at).toISOString() } };
  tickJournal(`begin ${owner}`);
  let lock: TickLock | undefined = got.lock;
  try {
    const reason = await fullTickReason(input);
    if (reason !== null) {
      lock = undefined; // handed over: the full tick releases it
      return { full: reason, owner };
    }
    const digest = takeDigest(input.store, input.ctx.now, input.config, { reader: input.reader, acted: {}, board: [], notes: new Map(), errors: [] });
    return { quiet: true, digest };
  } finally {
    tickJournal(`end ${owner}`);
    if (lock) releaseTickLock(input.store, lock);
  }
}
