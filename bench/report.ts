// The benchmark report: sections of markdown tables, each stamped with the machine, date and command.
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import Database from 'better-sqlite3';

/** One part of the report. */
export interface Section {
  id: string;
  title: string;
  /** What the numbers are, in a sentence or two. */
  intro: string;
  tables: Table[];
  /** Facts computed from this run (ratios, checks), one line each. */
  notes: string[];
  /** False when a correctness check in the section failed. */
  ok: boolean;
  seconds?: number;
  /** Load averages when the section started (other work shares the machine). */
  load?: string;
}

/** A markdown table: a header row and string cells. */
export interface Table {
  caption?: string;
  head: string[];
  rows: string[][];
  /** Columns to right-align (numbers). */
  right?: number[];
}

let quiet = false;

/** Progress lines go to stderr (the report itself is stdout); `quietProgress()` turns them off (tests). */
export function progress(line: string): void {
  if (!quiet) process.stderr.write(`${line}\n`);
}

/** Stops progress lines. */
export function quietProgress(): void {
  quiet = true;
}

/** The machine a report ran on, as one line. */
export function machineLine(): string {
  const list = cpus();
  const model = (list[0]?.model ?? 'unknown cpu').replace(/\s+/g, ' ').trim();
  const sqlite = (() => {
    const db = new Database(':memory:');
    try {
      return db.prepare('SELECT sqlite_version()').pluck().get() as string;
    } finally {
      db.close();
    }
  })();
  const gib = (totalmem() / 2 ** 30).toFixed(1);
  return `${model}, ${list.length} cores, ${gib} GiB RAM, ${platform()} ${release()}, Node ${process.version}, SQLite ${sqlite}`;
}

/** The median of a list (the upper middle for an even count). */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * a's rate over b's, round by round (the two measured minutes apart in the same round), then the median of those
 * ratios. On a VM whose speed drifts between rounds this pairs like with like; a ratio of the two medians can pair a
 * fast round of one with a slow round of the other. `a[i]` and `b[i]` must come from the same round.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) throw new Error(`pairedRatio: ${a.length} rounds against ${b.length}`);
  return median(a.map((x, i) => x / b[i]!));
}

/** A ratio already divided, as ratio() prints one. */
export function times(r: number): string {
  return `${r.toFixed(2)}×`;
}

/** An integer with thousands separators. */
export function int(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Milliseconds with one decimal under 100, none above. */
export function ms(n: number): string {
  return n < 100 ? `${n.toFixed(1)} ms` : `${int(n)} ms`;
}

/** `n` and the noun, plural unless n is 1 (`es` after an s). */
export function count(n: number, noun: string): string {
  return `${int(n)} ${noun}${n === 1 ? '' : noun.endsWith('s') ? 'es' : 's'}`;
}

/** A rate: an integer from 10 up, two decimals below. */
export function perSecond(n: number): string {
  return n >= 10 ? int(n) : n.toFixed(2);
}

/** The 1/5/15-minute load averages, e.g. `5.1 / 6.8 / 5.1`. */
export function loadLine(): string {
  return loadavg().map((x) => x.toFixed(1)).join(' / ');
}

/** A ratio like `0.42×`. */
export function ratio(a: number, b: number): string {
  return times(a / b);
}

function renderTable(t: Table): string {
  const align = t.head.map((_, i) => (t.right?.includes(i) ? '---:' : '---'));
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [t.caption ? `${t.caption}\n` : '', line(t.head), `|${align.join('|')}|`, ...t.rows.map(line)].filter((x) => x !== '').join('\n');
}

/** The whole report as markdown. */
export function renderReport(r: { machine: string; date: string; command: string; options: string; sections: Section[]; seconds: number; load: string }): string {
  const out = [
    '# steward benchmark report',
    '',
    `- machine: ${r.machine}`,
    `- date: ${r.date}`,
    `- command: \`${r.command}\``,
    `- options: ${r.options}`,
    `- took: ${r.seconds.toFixed(0)} s; load average (1/5/15 min) ${r.load}, on ${cpus().length} cores`,
  ];
  for (const s of r.sections) {
    out.push('', `## ${s.title}`, '');
    const took = s.seconds !== undefined ? ` · took ${s.seconds.toFixed(0)} s` : '';
    const load = s.load ? ` · load average at start ${s.load}` : '';
    out.push(`_${r.machine} · ${r.date} · \`${r.command}\` · this section alone: \`${sectionCommand(r.command, s.id)}\`${took}${load}_`, '');
    out.push(s.intro, '');
    for (const t of s.tables) out.push(renderTable(t), '');
    for (const n of s.notes) out.push(`- ${n}`);
    if (!s.ok) out.push('', '**A check in this section FAILED.**');
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** The command that runs one section alone: the same options, without `--out`, plus `--only ID`. */
export function sectionCommand(command: string, id: string): string {
  const bare = command.replace(/ --only \S+/, '').replace(/ --out \S+/, '').replace(/ --$/, '');
  return bare.startsWith('npm run bench') && !bare.includes(' -- ') ? `${bare} -- --only ${id}` : `${bare} --only ${id}`;
}

/** What `npm run bench` measures, and how much of it. */
export interface BenchOptions {
  /** Tasks per claim+complete drain (sections 1 and 2). */
  tasks: number;
  /** Rounds of every timed measurement; the report gives medians. */
  repeat: number;
  /** Process counts for the throughput section (steward beside its peers). */
  peerProcs: number[];
  /** Process counts for the scaling section. */
  procs: number[];
  /** Queue sizes for the tick and TASKS.md section. */
  sizes: number[];
  /** claim+complete pairs per MCP stdio session. */
  roundTrips: number;
  /** Tasks in the MCP workspace's queue. */
  mcpTasks: number;
  /** claim+complete pairs through the CLI (two node processes each). */
  cliPairs: number;
  /** Steady ticks per size, and CLI ticks per size. */
  steadyTicks: number;
  cliTicks: number;
  /** Rounds of the CLI start-up section (each command once per round, beside bare node). */
  startupRounds: number;
  /** How long the babysitter section's fake CLI runs. */
  babysitterSeconds: number;
  /** Samples per series of the dispatch section (default 9). */
  dispatchSamples?: number;
  /** Jobs per drain in the postgres section (default 2000). */
  pgTasks?: number;
}
