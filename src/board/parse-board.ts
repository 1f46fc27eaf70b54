// Reads a (possibly hand-edited, possibly garbage) TASKS.md into its parts. Never throws.
import { readFrontMatter } from '../files/front-matter.js';
import { isThematicBreak, parseTaskLine, normaliseTitle, sanitiseText, type TaskLineParse } from './board-line.js';
import { BOARD_TITLE, HOW_TO_LINE, KEPT_NOTE, isKeptTitle, isMoreLine, isPausedLine, isStateLabel, readKeptHeader, readKeptText } from './board-layout.js';

/** An `answer:` block under a task line. */
export interface ParsedAnswer {
  line: number;
  /** The lines as written, joined with newlines. */
  raw: string;
  /** The answer: its lines trimmed, joined with newlines. */
  text: string;
}

/** A task-shaped line (with or without an id) and the answers under it. */
export interface ParsedTask {
  line: number;
  raw: string;
  /** The `## project` section it sits in; null above any project or in Could-not-read. */
  project: string | null;
  parsed: TaskLineParse;
  answers: ParsedAnswer[];
}

/** A `## name` project heading. */
export interface ParsedHeading {
  line: number;
  raw: string;
  project: string;
}

/** Text that could not be read. `unknown`: just not board syntax (may be a line steward wrote before). */
export interface ParsedProblem {
  line: number;
  text: string;
  reason: string;
  unknown: boolean;
  /** A Could-not-read header with no quoted text under it. */
  bareHeader?: boolean;
}

/** An entry of the Could-not-read section: the quoted text and the reason shown with it. */
export interface KeptEntry {
  line: number;
  text: string;
  reason: string;
}

/** Everything a board text holds, in file order. */
export interface ParsedBoard {
  frontMatter: Record<string, unknown> | null;
  tasks: ParsedTask[];
  headings: ParsedHeading[];
  kept: KeptEntry[];
  problems: ParsedProblem[];
  /** The `- ⚠ reason` header lines of Could-not-read, as written (a header left alone is steward's if the last render had it). */
  keptHeaders: string[];
}

const NOT_A_TASK = 'not a task line: write a new task as "- [ ] title" under a project';
const MAX_FRONT_MATTER_LINES = 500;
const MAX_FRONT_MATTER_CHARS = 100_000;
const HEADING = /^(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const CHECKBOX_LINE = /^\s*(?:[-*+]\s*)?\[[ xX-]?\]/;
const ANSWER = /^\s*answer:[ \t]?(.*)$/is;

/** Splits text into lines (any line ending), right-trimmed, without a leading BOM. */
export function boardLines(text: string): string[] {
  return String(text ?? '')
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trimEnd());
}

/** Reads a board text; lines are numbered from 1 in the text as given (front matter included). */
export function parseBoard(text: string): ParsedBoard {
  const lines = boardLines(text);
  const board: ParsedBoard = { frontMatter: null, tasks: [], headings: [], kept: [], problems: [], keptHeaders: [] };
  const start = readFront(lines, board);
  let project: string | null = null;
  let inKept = false;
  let lastTask: ParsedTask | null = null;
  let answer: { block: ParsedAnswer; lines: string[]; texts: string[] } | null = null;
  /** Blank lines after an answer's last line: part of it when an indented line continues it after them. */
  let blanks = 0;
  let entry: { entry: KeptEntry; lines: string[]; raw?: string } | null = null;
  const closeAnswer = () => {
    if (answer) {
      answer.block.raw = answer.lines.join('\n');
      answer.block.text = answer.texts.join('\n').trim();
    }
    answer = null;
    blanks = 0;
  };
  const closeEntry = () => {
    if (entry) {
      entry.entry.text = entry.lines.join('\n');
      // A header with no quoted text under it was not written by steward: keep the line itself, never drop it.
      if (entry.lines.length === 0 && entry.raw !== undefined) {
        board.problems.push({ line: entry.entry.line, text: entry.raw, reason: NOT_A_TASK, unknown: true, bareHeader: true });
      }
    }
    entry = null;
  };
  const unknown = (line: number, raw: string, reason = NOT_A_TASK) => {
    board.problems.push({ line, text: raw, reason, unknown: true });
    lastTask = null;
  };

  for (let i = start; i < lines.length; i++) {
    const raw = lines[i]!;
    const n = i + 1;
    if (raw.trim() === '') {
      if (answer) blanks++;
      continue;
    }
    // Continuation of an answer: an indented line without a checkbox (blank lines before it are its paragraphs).
    if (answer && /^\s/.test(raw) && !ANSWER.test(raw) && !CHECKBOX_LINE.test(raw)) {
      for (; blanks > 0; blanks--) {
        answer.lines.push('');
        answer.texts.push('');
      }
      answer.lines.push(raw);
      answer.texts.push(raw.trim());
      continue;
    }
    closeAnswer();
    const heading = HEADING.exec(raw);
    if (heading) {
      closeEntry();
      lastTask = null;
      const level = heading[1]!.length;
      const name = normaliseTitle(heading[2] ?? '');
      if (level === 1 && raw === BOARD_TITLE) continue;
      if (level === 2 && name !== '') {
        inKept = isKeptTitle(name);
        project = inKept ? null : name;
        if (!inKept) board.headings.push({ line: n, raw, project: name });
        continue;
      }
      if (level === 3 && isStateLabel(name)) continue;
      unknown(n, raw, 'a heading steward does not use: projects are "## name"');
      continue;
    }
    // A `- ⚠ reason` header only inside Could-not-read: anywhere else it is a person's line like any other.
    const reason = inKept ? readKeptHeader(raw) : null;
    if (reason !== null) {
      closeEntry();
      lastTask = null;
      entry = { entry: { line: n, text: '', reason }, lines: [], raw };
      board.kept.push(entry.entry);
      board.keptHeaders.push(raw);
      continue;
    }
    const quoted = inKept || entry ? readKeptText(raw) : null;
    if (quoted !== null) {
      if (!entry) {
        entry = { entry: { line: n, text: '', reason: 'kept from an earlier read' }, lines: [] };
        board.kept.push(entry.entry);
      }
      entry.lines.push(quoted);
      continue;
    }
    closeEntry();
    const answerMatch = ANSWER.exec(raw);
    if (answerMatch) {
      if (!lastTask) {
        unknown(n, raw, 'an answer goes on an indented "answer: …" line right under a blocked task');
        continue;
      }
      const block: ParsedAnswer = { line: n, raw, text: '' };
      lastTask.answers.push(block);
      answer = { block, lines: [raw], texts: [answerMatch[1]!.trim()] };
      continue;
    }
    if (raw === HOW_TO_LINE || raw === KEPT_NOTE || isMoreLine(raw) || isPausedLine(raw)) {
      lastTask = null;
      continue;
    }
    const parsed = parseTaskLine(raw);
    if (parsed === null || isThematicBreak(raw)) {
      unknown(n, raw);
      continue;
    }
    const task: ParsedTask = { line: n, raw, project, parsed, answers: [] };
    board.tasks.push(task);
    lastTask = task;
  }
  closeAnswer();
  closeEntry();
  board.kept = board.kept.filter((k) => k.text.trim() !== '');
  return board;
}

/** Reads the front matter, if the text opens with one; returns the index of the first body line. */
function readFront(lines: string[], board: ParsedBoard): number {
  if (lines.length === 0 || lines[0]!.trim() !== '---') return 0;
  const limit = Math.min(lines.length, MAX_FRONT_MATTER_LINES);
  let close = -1;
  for (let i = 1; i < limit; i++) {
    const t = lines[i]!.trim();
    if (t === '---' || t === '...') {
      close = i;
      break;
    }
  }
  if (close < 0) {
    board.problems.push({ line: 1, text: lines[0]!, reason: 'front matter opened with --- but never closed: read the rest as the board', unknown: false });
    return 1;
  }
  const block = lines.slice(0, close + 1).join('\n');
  let reason: string;
  if (block.length > MAX_FRONT_MATTER_CHARS) reason = 'front matter too large: read the rest as the board';
  else {
    try {
      board.frontMatter = readFrontMatter(`${block}\n`).data;
      return close + 1;
    } catch (err) {
      reason = `broken front matter (${err instanceof Error ? err.message.split('\n')[0] : String(err)}): read the rest as the board`;
    }
  }
  board.problems.push({ line: 1, text: sanitiseText(block), reason, unknown: false });
  return close + 1;
}
