// MCP propose, list, show and the resources, on real SQLite files through a real SDK Client.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { listOutput } from '../src/core/output-schemas.js';
import { addTask, claimTask, failRun } from '../src/ops/index.js';
import { at, cli, snapshot, tempDir, tempStore } from './support/helpers.js';
import { connect, fails, ok } from './support/mcp.js';

describe('propose', () => {
  test('adds a proposal with source mcp:<role>, created by the actor; a seen key is a duplicate', async () => {
    const store = tempStore();
    addTask(store, { title: 'a dependency' }, at(1));
    const c = await connect(store, 'planner', { actor: 'alice' });
    const before = store.events.maxId();
    const first = ok(await c.call('propose', { title: 'Add retries', goal: 'webhooks retry 3x', priority: 'high', after: '1', key: 'retries' }));
    assert.deepEqual(first, { proposal: { id: 1, status: 'new' } });
    const p = store.proposals.get(1)!;
    assert.equal(p.source, 'mcp:planner');
    assert.equal(p.created_by, 'alice');
    assert.equal(p.priority, 30);
    assert.deepEqual(p.after, [1]);
    const dup = ok(await c.call('propose', { title: 'Retries again', key: 'retries' }));
    assert.equal(dup.duplicate, true);
    assert.equal(dup.proposal.status, 'merged');
    assert.equal(dup.proposal.merged_into, 1);
    const mine = store.events.since(before, 10);
    assert.equal(mine.length, 2);
    assert.ok(mine.every((e) => e.actor === 'alice'));
    await c.close();
  });

  test('refuses fields the MCP proposal does not take, and bad values, as VALIDATION naming the field', async () => {
    const store = tempStore();
    const c = await connect(store, 'worker');
    const before = snapshot(store);
    const e = fails(await c.call('propose', { title: 'x', then: [{ title: 'y' }] }), 'VALIDATION');
    assert.match(e.message, /then/);
    const f = fails(await c.call('propose', { title: '', priority: 'whenever' }), 'VALIDATION');
    const paths = (f.details.issues as Array<{ path: string }>).map((i) => i.path).sort();
    assert.deepEqual(paths, ['priority', 'title']);
    fails(await c.call('propose', { title: 'x', after: [0] }), 'VALIDATION');
    assert.equal(snapshot(store), before);
    await c.close();
  });
});

describe('list', () => {
  test('compact rows, filters, default page 20, cursor pages cover everything once, max 100', async () => {
    const store = tempStore();
    store.tx(() => {
      for (let i = 1; i <= 130; i++) {
        addTask(store, { title: `task ${i}`, priority: i % 7, project: i % 2 ? 'odd' : 'even', type: i % 3 ? 'code' : 'research' }, at(i));
      }
    });
    const c = await connect(store, 'planner');
    const page = ok(await c.call('list'));
    assert.equal(page.tasks.length, 20);
    assert.deepEqual(Object.keys(page.tasks[0]).sort(), ['agent', 'id', 'priority', 'project', 'status', 'title', 'type']);
    assert.ok(listOutput.safeParse(page).success);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const next: any = ok(await c.call('list', { limit: 50, ...(cursor ? { cursor } : {}) }));
      seen.push(...next.tasks.map((t: { id: number }) => t.id));
      cursor = next.next_cursor;
    } while (cursor);
    assert.equal(seen.length, 130);
    assert.equal(new Set(seen).size, 130);
    const big = ok(await c.call('list', { limit: 100 }));
    assert.equal(big.tasks.length, 100);
    fails(await c.call('list', { limit: 101 }), 'VALIDATION');
    fails(await c.call('list', { cursor: 'not-a-cursor' }), 'VALIDATION');
    const odd = ok(await c.call('list', { project: 'odd', type: 'research', limit: 100 }));
    assert.ok(odd.tasks.length > 0);
    assert.ok(odd.tasks.every((t: { project: string; type: string }) => t.project === 'odd' && t.type === 'research'));
    const states = ok(await c.call('list', { status: 'running,done' }));
    assert.deepEqual(states, { tasks: [], next_cursor: null });
    await c.close();
  });

  test('the text beside the rows is a one-line summary; a default page stays under 4 KB', async () => {
    const store = tempStore();
    addTask(store, { title: 'write docs', project: 'site', agent: 'writer' }, at(1));
    const c = await connect(store, 'planner');
    assert.equal(((await c.call('list')).content[0] as { text: string }).text, '1 task: #1');
    store.tx(() => {
      for (let i = 0; i < 2000; i++) {
        addTask(store, { title: `fix the flaky retry test in module ${i} (timeout path)`, project: 'infra', type: 'research', agent: 'coder' }, at(2 + i));
      }
    });
    const page = await c.call('list');
    assert.match((page.content[0] as { text: string }).text, /^20 tasks: #1 #2 .* #20; next_cursor \S+$/);
    assert.ok(JSON.stringify(page).length < 4096, `list page is ${JSON.stringify(page).length} characters`);
    await c.close();
  });

  test('MCP list rows are the rows of the CLI\'s list --json (one shared output schema)', async () => {
    const dir = tempDir();
    assert.equal(cli(['init', '--dir', dir], { cwd: dir }).code, 0);
    assert.equal(cli(['add', 'shared shape', '--dir', dir], { cwd: dir }).code, 0);
    const fromCli = cli(['list', '--json', '--dir', dir], { cwd: dir }).json;
    assert.ok(listOutput.safeParse(fromCli).success);
    const { openStore } = await import('../src/store/open-store.js');
    const store = openStore(join(dir, '.steward', 'queue.db'));
    const c = await connect(store, 'planner');
    assert.deepEqual(ok(await c.call('list')), fromCli);
    await c.close();
    store.close();
  });
});

describe('show', () => {
  test('one task with its newest 5 runs and 20 events, long text clipped', async () => {
    const store = tempStore();
    addTask(store, { title: 'flaky', goal: 'g'.repeat(10_000), max_attempts: 20 }, at(1));
    for (let i = 0; i < 12; i++) {
      const claimed = claimTask(store, { agent: 'a' }, at(10_000_000 * (i + 1)));
      assert.ok(claimed.task);
      failRun(store, { run_id: claimed.run.id, error: `boom ${i} ${'x'.repeat(1000)}` }, at(10_000_000 * (i + 1) + 1));
    }
    const c = await connect(store, 'worker');
    const shown = ok(await c.call('show', { id: '#1' }));
    assert.equal(shown.task.id, 1);
    assert.equal(shown.runs.length, 5);
    assert.equal(shown.runs[0].id, 12, 'newest first');
    assert.equal(shown.events.length, 20);
    assert.ok(shown.task.goal.length < 4100 && shown.task.goal.endsWith('more characters]'));
    assert.ok(shown.runs[0].error.length < 600);
    assert.ok(JSON.stringify(shown).length < 20_000);
    fails(await c.call('show', { id: 999 }), 'NOT_FOUND');
    fails(await c.call('show', { id: 'abc' }), 'VALIDATION');
    await c.close();
  });
});

describe('resources', () => {
  test('steward://board is TASKS.md as it is on disk, or says it is absent', async () => {
    const dir = tempDir();
    const boardPath = join(dir, 'TASKS.md');
    const store = tempStore();
    const c = await connect(store, 'planner', { boardPath });
    const listed = await c.client.listResources();
    assert.deepEqual(listed.resources.map((r) => r.uri), ['steward://board']);
    const absent = await c.client.readResource({ uri: 'steward://board' });
    assert.match((absent.contents[0] as { text: string }).text, /does not exist yet/);
    writeFileSync(boardPath, '# Tasks\n\n- [ ] #1 hand-edited line\n');
    const present = await c.client.readResource({ uri: 'steward://board' });
    assert.equal((present.contents[0] as { text: string }).text, '# Tasks\n\n- [ ] #1 hand-edited line\n');
    await c.close();
  });

  test('steward://task/{id} is the show JSON; a missing task is a resource-not-found error with code NOT_FOUND', async () => {
    const store = tempStore();
    addTask(store, { title: 'readable' }, at(1));
    const c = await connect(store, 'worker');
    const { resourceTemplates } = await c.client.listResourceTemplates();
    assert.deepEqual(resourceTemplates.map((t) => t.uriTemplate), ['steward://task/{id}']);
    const got = await c.client.readResource({ uri: 'steward://task/1' });
    const body = JSON.parse((got.contents[0] as { text: string }).text);
    assert.equal(body.task.title, 'readable');
    assert.ok(Array.isArray(body.runs) && Array.isArray(body.events));
    await assert.rejects(c.client.readResource({ uri: 'steward://task/42' }), (err: any) => {
      assert.equal(err.code, -32002);
      assert.equal(err.data.code, 'NOT_FOUND');
      return true;
    });
    await c.close();
  });
});
