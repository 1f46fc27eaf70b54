// One worker process of the bench's `postgres` section: connects (untimed), says "ready", waits for "go" on stdin,
// drains the subject's queue, prints {claimed, start, end} as JSON. Run by bench/section-postgres.ts.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PG_SUBJECTS } from './pg-subjects.js';

const SELF = fileURLToPath(import.meta.url);

export interface DrainReport { claimed: Array<number | string>; start: number; end: number }

async function child(subject: string, url: string, worker: string): Promise<void> {
  const s = PG_SUBJECTS[subject];
  if (!s) throw new Error(`unknown subject ${subject}`);
  const w = await s.prepare(url, worker);
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
  const claimed: Array<number | string> = [];
  const start = performance.timeOrigin + performance.now();
  await w.drain(claimed);
  const end = performance.timeOrigin + performance.now();
  await w.close();
  // A fault for the bench's own tests: `claim-twice` makes steward report one task as handed out twice,
  // `claim-twice:<subject>` that subject.
  const fault = process.env.STEWARD_BENCH_FAULT;
  const faulty = fault === 'claim-twice' ? subject.startsWith('steward') : fault === `claim-twice:${subject}`;
  if (faulty && claimed.length > 0) claimed.push(claimed[0]!);
  process.stdout.write(JSON.stringify({ claimed, start, end } satisfies DrainReport));
  process.exit(0); // pg-boss / graphile timers must not keep the process alive
}

/** Starts one worker process; `ready` resolves once it is connected, `go()` starts its drain. */
export function startDrain(subject: string, url: string, worker: string): { ready: Promise<void>; go(): void; done: Promise<DrainReport> } {
  const p = spawn(process.execPath, [SELF, subject, url, worker], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let onReady: () => void;
  let onFail: (e: Error) => void;
  const ready = new Promise<void>((resolve, reject) => { onReady = resolve; onFail = reject; });
  p.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) onReady();
  });
  const done = new Promise<DrainReport>((resolve, reject) =>
    p.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out.slice('ready\n'.length)) as DrainReport);
      else {
        const e = new Error(`${subject} worker ${worker} exited with ${code}`);
        onFail(e);
        reject(e);
      }
    }),
  );
  done.catch(() => {});
  return { ready, go: () => p.stdin.end('go\n'), done };
}

if (process.argv[1] === SELF) {
  child(process.argv[2]!, process.argv[3]!, process.argv[4]!).catch((e) => {
    process.stderr.write(`pg-drain ${process.argv[2]}: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  });
}
