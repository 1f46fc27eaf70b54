// The records the TASKS.md board works with: what the caller passes in, what the diff hands back.
import type { TaskState } from '../core/states.js';

/** One task as the board shows it; the caller computes `fact` (see taskFact). */
export interface BoardTask {
  id: number;
  project: string;
  title: string;
  priority: number;
  type: string;
  agent: string;
  status: TaskState;
  /** The one fact that matters for the state: who runs it, what it waits for, the question… */
  fact: string;
  /** The answer already stored (blocked tasks); lets the diff skip an answer applied before. */
  answer?: string | null;
  /** The task's idempotency key; lets the diff skip a board line already created. */
  key?: string | null;
  /** When it reached done/cancelled (ms); picks the most recent ones to show. */
  finishedAt?: number | null;
}

/** A piece of text the board could not read, kept and shown under "Could not read". */
export interface UnreadableLine {
  text: string;
  reason: string;
}

/** What a person's edit of TASKS.md asks for; the tick applies these through the operations. */
export type BoardCommand =
  | {
      kind: 'create';
      project: string;
      title: string;
      priority?: number;
      type?: string;
      agent?: string;
      /** The line as the person typed it (trimmed). */
      raw: string;
      /** Idempotency key: store it as the task's `key`; the same line is then never created twice. */
      key: string;
      line: number;
    }
  | { kind: 'done'; id: number }
  | { kind: 'cancel'; id: number }
  | { kind: 'priority'; id: number; priority: number }
  | { kind: 'title'; id: number; title: string }
  | { kind: 'agent'; id: number; agent: string }
  | { kind: 'answer'; id: number; text: string }
  | { kind: 'removed'; id: number }
  | {
      kind: 'unreadable';
      /** 1-based line number in the file read now (first line of the text). */
      line: number;
      text: string;
      reason: string;
      /** False when the text was already under "Could not read" in the last render (report it once). */
      fresh: boolean;
    };

/** The kinds of command, for exhaustive switches. */
export type BoardCommandKind = BoardCommand['kind'];
