// Notify: tell a person about digest items only a person can settle — review, a blocked question, a dead letter.
// What is notified is read with one cursor per workspace (NOTIFY_READER), so each item is notified once whoever
// notifies; a person's look (`steward tick --reader me`) notifies nothing.
import { join } from 'node:path';
import { visibleText } from '../core/visible-text.js';
import type { Config } from '../config/schema.js';
import type { Store } from '../store/open-store.js';
import type { Workspace } from '../workspace/workspace.js';
import { NOTIFY_TIMEOUT_SECONDS, notifyFailureLog, runNotifyCommand } from './notify-command.js';
import { readUpFile } from '../up/up-file.js';
import { DEFAULT_DIGEST_READER, digestCursorKey, parseCursor, takeDigest } from './digest-store.js';

/**
 * Whether a digest of `reader` is notified: `steward up`'s; the heartbeat's (the default reader) unless a live `up` of
 * this workspace notifies from its own digests (each reader gets every item: both would tell the person twice); never
 * a person's look.
 */
export function notifiesFor(reader: string | undefined, stewardDir: string): boolean {
  if (reader === 'up') return true;
  if (reader !== undefined && reader !== DEFAULT_DIGEST_READER) return false;
  return !(readUpFile(stewardDir)?.alive ?? false);
}

/** The webhook as a log line may show it: its origin only (the URL may carry a key, in its path as Slack's do). */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `webhook ${u.protocol}//${u.host}${u.href.length > u.origin.length + 1 ? '/…' : ''}`;
  } catch {
    return 'webhook';
  }
}

/** fetch's error says only "fetch failed"; the reason (refused, not resolved, too many redirects) is its cause. */
function fetchError(err: Error): string {
  const cause = (err as Error & { cause?: unknown }).cause;
  const why = cause instanceof Error ? ((cause as Error & { code?: string }).code ?? cause.message) : undefined;
  return why && why !== err.message ? `${err.message}: ${why}` : err.message;
}

/** Where every notify failure is kept, also those after `steward tick` exited: `.steward/logs/notify.log`. */
export function notifyLogPath(ws: Pick<Workspace, 'logsDir'>): string {
  return join(ws.logsDir, 'notify.log');
}

/** The digest lists a person must see. */
export const NOTIFY_LISTS = ['review', 'blocked', 'dead'] as const;

type Item = { id?: number; title?: string; question?: string; error?: string; result?: string };

/** One line per item, e.g. `steward: #4 "Port the CLI" is a dead letter: deno not found`. */
export function notifyLines(digest: Record<string, unknown>): string[] {
  const lines: string[] = [];
  for (const list of NOTIFY_LISTS) {
    for (const item of (digest[list] as Item[] | undefined) ?? []) {
      const what =
        list === 'review' ? 'waits for review' : list === 'blocked' ? `asks: ${item.question ?? item.error ?? 'needs you'}` : `is a dead letter: ${item.error ?? 'failed'}`;
      lines.push(`steward: #${item.id} "${item.title ?? ''}" ${what}`.replace(/\s+/g, ' ').slice(0, 500));
    }
    // The digest lists a few items per list and counts the rest: they reach no later digest, so they are told here.
    const more = (digest.more as Partial<Record<string, number>> | undefined)?.[list];
    if (more) lines.push(`steward: +${more} more ${list === 'review' ? 'waiting for review' : list === 'blocked' ? 'blocked, asking you' : 'dead letters'} (not listed)`);
  }
  return lines;
}

/** Fires the configured command (argv, `{text}` replaced, items as JSON on stdin) and webhook for these items. */
export function notify(config: Config, digest: Record<string, unknown>, log: (line: string) => void = () => undefined, logFile?: string): Promise<void> {
  const lines = notifyLines(digest);
  if (lines.length === 0) return Promise.resolve();
  // People read the text (a chat message): hidden characters escaped. `items` keeps the raw values (JSON).
  const text = visibleText(lines.join('\n'));
  const items = Object.fromEntries(NOTIFY_LISTS.filter((l) => digest[l]).map((l) => [l, digest[l]]));
  const counted = (digest.more ?? {}) as Partial<Record<string, number>>;
  const more = Object.fromEntries(NOTIFY_LISTS.filter((l) => counted[l]).map((l) => [l, counted[l]]));
  const body = JSON.stringify({ text, items, ...(Object.keys(more).length ? { more } : {}) });
  const done: Array<Promise<void>> = [];
  const argv = config.notify.command;
  // The command runs under a watchdog that stops it after notify.timeoutSeconds; the tick waits only for the hand-over.
  if (argv?.length) done.push(runNotifyCommand(argv.map((a, i) => (i === 0 ? a : a.replaceAll('{text}', text))), body, config.notify.timeoutSeconds ?? NOTIFY_TIMEOUT_SECONDS, log, logFile));
  const url = config.notify.webhook;
  if (url) {
    const shown = shownUrl(url);
    const failed = notifyFailureLog(log, logFile);
    done.push(
      // A redirect is not followed: the items (titles, questions, errors) go to the configured URL only, never on to
      // whatever host (or plain http) it names; it is reported like any other answer that is not 2xx.
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, redirect: 'manual', signal: AbortSignal.timeout(5000) })
        .then((res) => {
          if (!res.ok) failed(`notify: ${shown} answered ${res.status}${res.status >= 300 && res.status < 400 ? ' (a redirect, not followed: set notify.webhook to the final URL)' : ''}`);
        })
        .catch((err: Error) => failed(`notify: ${shown}: ${fetchError(err)}`)),
    );
  }
  return Promise.all(done).then(() => undefined);
}

/**
 * The reader whose digests are notified: one per workspace, whoever notifies (`steward up`, or the heartbeat's tick
 * while no `up` runs). Each notifying reader's own cursor told it items the other had notified already (an item `up`
 * notified came again in the heartbeat's next digest after `up` stopped, and the other way round). Not a name a
 * person's `--reader` can take (names start with a letter or digit).
 */
export const NOTIFY_READER = '@notify';

/**
 * Notifies what the workspace's notify reader has not been told yet, after a digest of `reader` that was not quiet.
 * The first time (no notify cursor: a workspace from before it), `digest`'s items, and the notify cursor starts where
 * `reader`'s cursor is now, so nothing is told twice or left out. A failure here is logged: it never fails the tick.
 */
export function notifyOnce(store: Store, config: Config, now: number, reader: string | undefined, digest: Record<string, unknown>, log: (line: string) => void = () => undefined, logFile?: string): Promise<void> {
  if (!config.notify.command?.length && !config.notify.webhook) return Promise.resolve(); // nothing to tell: no cursor moves
  let items: Record<string, unknown> = digest;
  try {
    const key = digestCursorKey(NOTIFY_READER);
    const seeded = store.tx(() => {
      if (store.meta.get(key) !== undefined) return false;
      const at = parseCursor(store.meta.get(digestCursorKey(reader))).event_id;
      store.meta.compareAndSet(key, undefined, JSON.stringify({ event_id: at, seen: [] }));
      return true;
    });
    if (!seeded) items = takeDigest(store, now, config, { reader: NOTIFY_READER });
  } catch (err) {
    notifyFailureLog(log, logFile)(`notify: ${(err as Error).message}`);
    return Promise.resolve();
  }
  return notify(config, items, log, logFile);
}
