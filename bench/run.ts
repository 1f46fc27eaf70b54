// `npm run bench`: every benchmark in one report (markdown on stdout; `--out FILE` writes it too). Progress goes to stderr.
// Options: see USAGE below (`node dist/bench/run.js --help`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadLine, machineLine, progress, renderReport, type BenchOptions, type Section } from './report.js';
import { mcpSection, schemaSection } from './section-mcp.js';
import { guaranteesSection, scalingSection, throughputSection } from './section-queue.js';
import { tickSection } from './section-files.js';
import { babysitterSection, startupSection } from './section-startup.js';
import { dispatchSection } from './section-dispatch.js';
import { postgresSection } from './section-postgres.js';

/** The sections in report order, by id. */
export const SECTIONS: Record<string, (o: BenchOptions) => Section | Promise<Section>> = {
  throughput: throughputSection,
  scaling: scalingSection,
  mcp: mcpSection,
  tick: tickSection,
  schema: schemaSection,
  guarantees: () => guaranteesSection(),
  startup: startupSection,
  babysitter: babysitterSection,
  dispatch: dispatchSection,
  postgres: postgresSection,
};

/** The defaults of `npm run bench` (about 6–8 minutes on a loaded 2-core machine). */
export const DEFAULTS: BenchOptions = {
  tasks: 5000,
  repeat: 3,
  peerProcs: [1, 4],
  procs: [1, 2, 4, 8],
  sizes: [1000, 10_000, 100_000],
  roundTrips: 1000,
  mcpTasks: 10_000,
  cliPairs: 10,
  steadyTicks: 5,
  cliTicks: 3,
  startupRounds: 15,
  babysitterSeconds: 20,
  dispatchSamples: 9,
  pgTasks: 2000,
};

/** What `--help` prints, and what a bad option is answered with (exit 2). */
export const USAGE = `usage: node dist/bench/run.js [options]   (or: npm run bench -- [options])
  --only ${Object.keys(SECTIONS).join(',')}
                          sections to run, in report order (default: all)
  --tasks N               queue size of the throughput rounds (default ${DEFAULTS.tasks})
  --repeat N              rounds per subject, interleaved (default ${DEFAULTS.repeat})
  --peer-procs 1,4        process counts of the throughput table (default ${DEFAULTS.peerProcs.join(',')})
  --procs 1,2,4,8         process counts of the scaling table (default ${DEFAULTS.procs.join(',')})
  --sizes N,N,N           queue sizes of the schema/MCP tables (default ${DEFAULTS.sizes.join(',')})
  --round-trips N --mcp-tasks N --cli-pairs N --steady-ticks N --cli-ticks N --startup-rounds N
  --babysitter-seconds N --dispatch-samples N --pg-tasks N
                          sizes of the other sections (defaults: the report's options line)
  --out FILE              also write the report to FILE
  --help                  this text
Exit: 0 when every correctness check passed, 1 when one failed, 2 on a bad option.`;

/** Throws when `only` names a section there is none of: checked before any section runs, not when its turn comes. */
function assertSections(only: readonly string[]): void {
  const unknown = only.filter((id) => !(id in SECTIONS));
  if (unknown.length) throw new Error(`unknown section ${unknown.join(', ')}; sections: ${Object.keys(SECTIONS).join(', ')}`);
}

/** Runs the chosen sections in order and returns the report as markdown. */
export async function runBench(o: BenchOptions, only: string[] = Object.keys(SECTIONS), command = 'node dist/bench/run.js'): Promise<{ sections: Section[]; markdown: string }> {
  const started = performance.now();
  const startLoad = loadLine();
  const sections: Section[] = [];
  assertSections(only);
  for (const id of only) {
    const fn = SECTIONS[id]!;
    progress(`[bench] ${id}`);
    const t = performance.now();
    const load = loadLine();
    const s = await fn(o);
    sections.push({ ...s, seconds: (performance.now() - t) / 1000, load });
  }
  const options = `tasks ${o.tasks}, repeat ${o.repeat}, peer procs ${o.peerProcs.join(',')}, procs ${o.procs.join(',')}, sizes ${o.sizes.join(',')}, round trips ${o.roundTrips}, ` +
    `MCP queue ${o.mcpTasks}, CLI pairs ${o.cliPairs}, steady ticks ${o.steadyTicks}, CLI ticks ${o.cliTicks}, ` +
    `start-up rounds ${o.startupRounds}, babysitter seconds ${o.babysitterSeconds}, dispatch samples ${o.dispatchSamples ?? 9}, postgres jobs ${o.pgTasks ?? 2000}`;
  const markdown = renderReport({
    machine: machineLine(),
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    command,
    options,
    sections,
    seconds: (performance.now() - started) / 1000,
    load: `${startLoad} at start, ${loadLine()} at the end`,
  });
  return { sections, markdown };
}

/** The parsed command line, or `help` when it asks for the usage. Throws on a bad option or value (main answers with exit 2). */
export function parseOptions(argv: string[]): { o: BenchOptions; only: string[]; out?: string } | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      tasks: { type: 'string' }, repeat: { type: 'string' }, 'peer-procs': { type: 'string' }, procs: { type: 'string' }, sizes: { type: 'string' },
      'round-trips': { type: 'string' }, 'mcp-tasks': { type: 'string' }, 'cli-pairs': { type: 'string' },
      'steady-ticks': { type: 'string' }, 'cli-ticks': { type: 'string' }, 'startup-rounds': { type: 'string' }, 'babysitter-seconds': { type: 'string' }, 'dispatch-samples': { type: 'string' }, 'pg-tasks': { type: 'string' }, only: { type: 'string' }, out: { type: 'string' },
    },
  });
  if (values.help) return 'help';
  const num = (v: string | undefined, d: number) => {
    if (v === undefined) return d;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`not a positive integer: ${v}`);
    return n;
  };
  const list = (v: string | undefined, d: number[]) => (v === undefined ? d : v.split(',').map((x) => num(x, 0)));
  const o: BenchOptions = {
    tasks: num(values.tasks, DEFAULTS.tasks),
    repeat: num(values.repeat, DEFAULTS.repeat),
    peerProcs: list(values['peer-procs'], DEFAULTS.peerProcs),
    procs: list(values.procs, DEFAULTS.procs),
    sizes: list(values.sizes, DEFAULTS.sizes),
    roundTrips: num(values['round-trips'], DEFAULTS.roundTrips),
    mcpTasks: num(values['mcp-tasks'], DEFAULTS.mcpTasks),
    cliPairs: num(values['cli-pairs'], DEFAULTS.cliPairs),
    steadyTicks: num(values['steady-ticks'], DEFAULTS.steadyTicks),
    cliTicks: num(values['cli-ticks'], DEFAULTS.cliTicks),
    startupRounds: num(values['startup-rounds'], DEFAULTS.startupRounds),
    babysitterSeconds: num(values['babysitter-seconds'], DEFAULTS.babysitterSeconds),
    dispatchSamples: num(values['dispatch-samples'], DEFAULTS.dispatchSamples!),
    pgTasks: num(values['pg-tasks'], DEFAULTS.pgTasks!),
  };
  const only = values.only ? values.only.split(',') : Object.keys(SECTIONS);
  assertSections(only);
  return { o, only, ...(values.out ? { out: values.out } : {}) };
}

async function main(): Promise<void> {
  // The SQLite sections measure SQLite files (beside raw better-sqlite3 reading the same file); the postgres section
  // starts a cluster of its own and names it. A STEWARD_DATABASE_URL in the environment (a user's shell, `npm run
  // test:pg`) must not turn half a section into Postgres — neither here nor in the CLI processes the sections start.
  delete process.env.STEWARD_DATABASE_URL;
  delete process.env.STEWARD_DATABASE_SCHEMA;
  const argv = process.argv.slice(2);
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(argv);
  } catch (err) {
    process.stderr.write(`[bench] ${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (parsed === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const { o, only, out } = parsed;
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  const command = viaNpm ? `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}` : `node dist/bench/run.js${argv.length ? ` ${argv.join(' ')}` : ''}`;
  const { sections, markdown } = await runBench(o, only, command);
  process.stdout.write(markdown);
  if (out) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, markdown);
    process.stderr.write(`[bench] report written to ${out}\n`);
  }
  if (sections.some((s) => !s.ok)) {
    process.stderr.write('[bench] a correctness check FAILED (see the report)\n');
    process.exitCode = 1;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
