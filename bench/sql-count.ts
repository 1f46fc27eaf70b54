// What a claim+complete cycle costs the database: statements run and bytes written, counted in a bench child.
import { readFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Statement executions by kind, and bytes this process handed to write(2)/pwrite(2). */
export interface SqlCounts {
  /** Write transactions committed: explicit BEGINs plus writes run outside any transaction (autocommit). */
  commits: number;
  reads: number;
  writes: number;
  /** PRAGMAs, COMMITs, SAVEPOINTs and the rest. */
  other: number;
  /** Bytes written by this process (/proc/self/io `wchar`): WAL frames, checkpoints, and nothing else of note. */
  bytesWritten: number;
}

type Method = (this: { source: string; database: Database.Database }, ...args: unknown[]) => unknown;

/** A statement's kind by its first keyword (a WITH is a write when it holds one). */
function classify(source: string): 'begin' | 'read' | 'write' | 'other' {
  const word = /^\s*(\w+)/.exec(source)?.[1]?.toUpperCase() ?? '';
  if (word === 'BEGIN') return 'begin';
  if (['INSERT', 'UPDATE', 'DELETE', 'REPLACE'].includes(word)) return 'write';
  if (word === 'WITH') return /\b(INSERT|UPDATE|DELETE)\b/i.test(source) ? 'write' : 'read';
  return word === 'SELECT' ? 'read' : 'other';
}

/** Bytes this process has written so far (/proc/self/io `wchar`); 0 where /proc is not there. */
export function wcharNow(): number {
  try {
    return Number(/wchar:\s+(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/**
 * Wraps every better-sqlite3 statement's run/get/all/iterate in this process to count executions
 * (BEGIN and COMMIT included: better-sqlite3 runs them as statements too). Call `stop()` for the totals.
 */
export function countStatements(): { stop(): SqlCounts } {
  const counts = { commits: 0, reads: 0, writes: 0, other: 0 };
  const probe = new Database(':memory:');
  const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, Method>;
  probe.close();
  const originals: Array<[string, Method]> = [];
  for (const name of ['run', 'get', 'all', 'iterate']) {
    const original = proto[name]!;
    originals.push([name, original]);
    proto[name] = function (...args) {
      const kind = classify(this.source);
      if (kind === 'begin') counts.commits++;
      else if (kind === 'write' && !this.database.inTransaction) counts.commits++;
      if (kind === 'write') counts.writes++;
      else if (kind === 'read') counts.reads++;
      else if (kind === 'other') counts.other++;
      return original.apply(this, args);
    };
  }
  const start = wcharNow();
  return {
    stop() {
      for (const [name, original] of originals) proto[name] = original;
      return { ...counts, bytesWritten: wcharNow() - start };
    },
  };
}
