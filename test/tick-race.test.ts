// Two `steward tick` processes at once, many rounds: nothing accepted or reaped twice, each digest item once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, test } from 'node:test';
import { addTask, claimTask, proposeTask } from '../src/ops/index.js';
import { openStore } from '../src/store/open-store.js';
import { killChildren, stdoutOf } from './helpers/processes.js';
import { CLI, cli, tempDir } from './support/helpers.js';

afterEach(killChildren);

const ROUNDS = 15;

async function tickProcess(dir: string): Promise<any> {
  const child = spawn(process.execPath, [CLI, 'tick', '--json', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  return JSON.parse(await stdoutOf(child, `steward tick --json --dir ${dir}`));
}

function drop(dir: string, name: string, text: string): void {
  const path = join(dir, '.steward/inbox', name);
  writeFileSync(path, text);
  const t = new Date(Date.now() - 5000);
  utimesSync(path, t, t);
}

test(`two tick processes racing, ${ROUNDS} rounds: no double accept, no double reap, each digest item once`, async (t) => {
  const dir = tempDir();
  assert.equal(cli(['init'], { cwd: dir, env: { PATH: '' } }).code, 0);
  writeFileSync(
    join(dir, '.steward/config.yaml'),
    'triage:\n  accept: manual\n  sources:\n    cli: auto\nagents:\n  coder:\n    cli: claude\n    types: [code]\n',
  );
  const store = openStore(join(dir, '.steward/queue.db'), { busyTimeoutMs: 10_000 });
  const auto: number[] = [];
  const manualTitles: string[] = [];
  const badFiles: string[] = [];
  const reapable: number[] = [];
  const outputs: any[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const now = Date.now();
    for (let i = 0; i < 3; i++) auto.push(proposeTask(store, { title: `auto ${round}.${i}` }, { now, actor: 'planner' }, 'cli').proposal.id);
    for (let i = 0; i < 2; i++) {
      addTask(store, { title: `work ${round}.${i}` }, { now, actor: 't' });
      const c = claimTask(store, { agent: 'coder', lease_seconds: 5 }, { now: now - 60_000, actor: 'coder' });
      assert.ok(c.task);
      reapable.push(c.run.id);
    }
    drop(dir, `idea-${round}.md`, `---\ntitle: manual idea ${round}\n---\n`);
    manualTitles.push(`manual idea ${round}`);
    drop(dir, `bad-${round}.md`, '---\ntitle: [\n---\n');
    badFiles.push(`bad-${round}.md`);
    outputs.push(...(await Promise.all([tickProcess(dir), tickProcess(dir)])));
  }
  outputs.push(await tickProcess(dir));

  const busy = outputs.filter((o) => o.skipped === 'busy');
  t.diagnostic(`${busy.length} of ${outputs.length} ticks found the other one running`);
  for (const o of busy) assert.equal(o.quiet, true);

  // Nothing accepted twice: one task per auto proposal, one `accepted` event each.
  const perProposal = store.db.prepare('SELECT proposal_id, COUNT(*) AS n FROM tasks WHERE proposal_id IS NOT NULL GROUP BY proposal_id').all() as Array<{ proposal_id: number; n: number }>;
  assert.deepEqual(perProposal.map((r) => r.proposal_id).sort((a, b) => a - b), auto);
  assert.ok(perProposal.every((r) => r.n === 1));
  const acceptedEvents = store.db.prepare("SELECT COUNT(*) AS n FROM events WHERE kind = 'accepted'").get() as { n: number };
  assert.equal(acceptedEvents.n, auto.length);

  // Nothing reaped twice: each expired run lost once, one strike event each.
  for (const id of reapable) {
    assert.equal(store.runs.get(id)!.outcome, 'lost', `run ${id}`);
    const strikes = store.db.prepare("SELECT COUNT(*) AS n FROM events WHERE run_id = ? AND kind IN ('retry_scheduled', 'dead', 'blocked')").get(id) as { n: number };
    assert.equal(strikes.n, 1, `run ${id} struck once`);
  }

  // Every file ingested or refused exactly once.
  const inbox = join(dir, '.steward/inbox');
  assert.deepEqual(readdirSync(inbox).filter((n) => n.endsWith('.md')), []);
  assert.equal(readdirSync(join(inbox, 'done')).length, ROUNDS);
  assert.equal(readdirSync(join(inbox, 'rejected')).filter((n) => n.endsWith('.md')).length, ROUNDS);
  assert.equal((store.db.prepare("SELECT COUNT(*) AS n FROM proposals WHERE source = 'file'").get() as { n: number }).n, ROUNDS);

  // Each digest item in exactly one digest.
  const digests = outputs.filter((o) => !o.skipped);
  const items = (list: string, key: (x: any) => unknown) => digests.flatMap((d) => (d[list] ?? []).map(key));
  assert.deepEqual(items('proposals', (p) => p.title).sort(), [...manualTitles].sort());
  assert.deepEqual(items('inbox_rejected', (r) => r.file).sort(), [...badFiles].sort());
  const lost = [...items('failures', (f) => f.error), ...items('dead', (f) => f.error)].map((e) => Number(/^run (\d+) lost/.exec(String(e))?.[1]));
  assert.deepEqual(lost.sort((a, b) => a - b), reapable);
  assert.equal(outputs[outputs.length - 1].quiet, true);
  assert.equal(store.integrityCheck(), 'ok');
  store.close();
});
