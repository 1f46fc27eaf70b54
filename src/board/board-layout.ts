// The lines around the task lines: title, how-to, headings, the "more" line, the Could-not-read entries.
import type { TaskState } from '../core/states.js';
import { visibleText } from '../core/visible-text.js';
import { normaliseTitle, oneLine, sanitiseText } from './board-line.js';

/** The board's title line. */
export const BOARD_TITLE = '# Tasks';

/** The how-to-edit line under the title. */
export const HOW_TO_LINE =
  '> Edit me: `[x]` done, `[-]` cancel, change a title or a priority (`!urgent` `!high` `!normal` `!low` `!0`…`!100`). ' +
  'New task: a line `- [ ] title !high type:code @agent` under a project. ' +
  'Answer a question: an indented `answer: …` line under it. ' +
  'Text after ` — ` is steward’s note. Deleting a line deletes nothing.';

/** Heading of the section that keeps what could not be read. */
export const KEPT_TITLE = 'Could not read';
/** The line under that heading. */
export const KEPT_NOTE =
  '_Kept for you, never read as tasks. Fix a line and move it under a project, or delete it._';

/** The order of state sections inside a project. */
export const STATE_ORDER: readonly TaskState[] = [
  'running',
  'ready',
  'pending',
  'review',
  'blocked',
  'failed',
  'done',
  'cancelled',
];

/** The heading word of each state section. */
export const STATE_LABEL: Record<TaskState, string> = {
  running: 'running',
  ready: 'ready',
  pending: 'pending',
  review: 'review',
  blocked: 'needs you',
  failed: 'failed',
  done: 'done',
  cancelled: 'cancelled',
};

const STATE_LABELS = new Set(Object.values(STATE_LABEL).concat('blocked'));
const MORE_LINE = /^_… and \d+ more [a-z]+: steward list --status [a-z]+ --project .+_$/;
const KEPT_HEADER = /^- ⚠(?: (.*))?$/;
const KEPT_TEXT = /^\s*>(?: ?)(.*)$/s;

/** The line that counts what the section leaves out. */
export function moreLine(count: number, status: TaskState, project: string): string {
  return `_… and ${count} more ${status}: steward list --status ${status} --project ${normaliseTitle(project)}_`;
}

/** True for a line `moreLine` wrote. */
export function isMoreLine(line: string): boolean {
  return MORE_LINE.test(line);
}

/** True when a level-3 heading text is a state section of ours. */
export function isStateLabel(text: string): boolean {
  return STATE_LABELS.has(text.trim().toLowerCase());
}

/** True when a level-2 heading text names the Could-not-read section. */
export function isKeptTitle(text: string): boolean {
  return text.trim().toLowerCase() === KEPT_TITLE.toLowerCase();
}

/** The lines of one kept entry: the reason, then each line of the text quoted. */
export function formatKeptEntry(entry: { text: string; reason: string }): string[] {
  const reason = visibleText(oneLine(entry.reason, 300), { oneLine: true }) || 'could not read this';
  const lines = sanitiseText(entry.text)
    .split(/\r\n|\r|\n/)
    .map((l) => visibleText(l).trimEnd());
  return [`- ⚠ ${reason}`, ...lines.map((l) => (l === '' ? '  >' : `  > ${l}`))];
}

/** The reason of a kept-entry header line, or null when the line is not one. */
export function readKeptHeader(line: string): string | null {
  const m = KEPT_HEADER.exec(line);
  return m ? (m[1] ?? '').trim() : null;
}

/** The text of a quoted kept line, or null when the line is not one. */
export function readKeptText(line: string): string | null {
  const m = KEPT_TEXT.exec(line);
  return m ? m[1]! : null;
}

/** A paused agent profile as TASKS.md shows it. */
export interface PausedProfile {
  name: string;
  paused_until: number;
  reason: string | null;
}

/** The start of the line TASKS.md shows for a paused agent profile (the parser skips such lines). */
export const PAUSED_PREFIX = '> Paused: ';

/** `> Paused: agent claude until 2026-…Z — rate limited: …` (its tasks wait; no strike). */
export function pausedLine(p: PausedProfile): string {
  const until = Number.isFinite(p.paused_until) ? new Date(p.paused_until).toISOString() : 'unknown';
  const why = p.reason ? ` — ${visibleText(oneLine(sanitiseText(p.reason), 160), { oneLine: true })}` : '';
  return `${PAUSED_PREFIX}agent ${visibleText(oneLine(sanitiseText(p.name), 80), { oneLine: true })} until ${until}${why}`;
}

/** The shape pausedLine writes: a person's own `> Paused: …` note is not one of them (it is kept, never skipped). */
const PAUSED_LINE = /^> Paused: agent .+ until (?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z|unknown)(?: — .*)?$/;

/** True for a paused-profile line steward wrote. */
export function isPausedLine(line: string): boolean {
  return line.startsWith(PAUSED_PREFIX) && PAUSED_LINE.test(line);
}
