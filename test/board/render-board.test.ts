import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readFrontMatter } from '../../src/files/front-matter.js';
import { HOW_TO_LINE, renderBoard } from '../../src/board/index.js';
import { arbBoard, bt } from './board-fixtures.js';

const NOW = Date.UTC(2025, 0, 2, 3, 4, 5);

const body = (text: string) => readFrontMatter(text).body;

test('front matter says generated, by steward, and when', () => {
  const text = renderBoard([], { now: NOW });
  assert.deepEqual(readFrontMatter(text).data, { generated: true, generated_by: 'steward', generated_at: '2025-01-02T03:04:05.000Z' });
  assert.equal(body(text), `# Tasks\n\n${HOW_TO_LINE}\n`);
});

test('projects in name order, states in the fixed order, tasks by priority then id', () => {
  const tasks = [
    bt(5, { project: 'web', status: 'done', title: 'shipped', fact: 'merged PR 4' }),
    bt(4, { project: 'web', status: 'blocked', title: 'pick a db', priority: 10, fact: 'Postgres or SQLite?' }),
    bt(3, { project: 'web', status: 'ready', priority: 80, title: 'later' }),
    bt(2, { project: 'web', status: 'ready', priority: 30, title: 'sooner' }),
    bt(6, { project: 'web', status: 'ready', priority: 30, title: 'sooner too' }),
    bt(1, { project: 'api', status: 'running', agent: 'coder', title: 'build', fact: 'running on coder for 3m' }),
    bt(7, { project: 'web', status: 'cancelled', title: 'dropped', fact: 'cancelled' }),
    bt(8, { project: 'web', status: 'pending', title: 'after', fact: 'waits for #2, #3' }),
    bt(9, { project: 'web', status: 'failed', title: 'deploy', type: 'ops', fact: 'exit 1: denied' }),
    bt(10, { project: 'web', status: 'review', title: 'check', fact: 'awaiting review' }),
  ];
  assert.equal(
    body(renderBoard(tasks, { now: NOW })),
    [
      '# Tasks',
      '',
      HOW_TO_LINE,
      '',
      '## api',
      '',
      '### running',
      '',
      '- [ ] #1 build !normal type:code @coder — running on coder for 3m',
      '',
      '## web',
      '',
      '### ready',
      '',
      '- [ ] #2 sooner !high type:code @any — waiting for a worker',
      '- [ ] #6 sooner too !high type:code @any — waiting for a worker',
      '- [ ] #3 later !low type:code @any — waiting for a worker',
      '',
      '### pending',
      '',
      '- [ ] #8 after !normal type:code @any — waits for #2, #3',
      '',
      '### review',
      '',
      '- [ ] #10 check !normal type:code @any — awaiting review',
      '',
      '### needs you',
      '',
      '- [ ] #4 pick a db !urgent type:code @any — Postgres or SQLite?',
      '',
      '### failed',
      '',
      '- [ ] #9 deploy !normal type:ops @any — exit 1: denied',
      '',
      '### done',
      '',
      '- [x] #5 shipped !normal type:code @any — merged PR 4',
      '',
      '### cancelled',
      '',
      '- [-] #7 dropped !normal type:code @any — cancelled',
      '',
    ].join('\n'),
  );
});

test('done and cancelled show the most recent N and count the rest', () => {
  const done = Array.from({ length: 14 }, (_, i) => bt(i + 1, { status: 'done', finishedAt: 100 + i, fact: 'ok' }));
  const cancelled = Array.from({ length: 3 }, (_, i) => bt(20 + i, { status: 'cancelled', finishedAt: i, fact: 'x' }));
  const text = body(renderBoard([...done, ...cancelled], { now: NOW }));
  const doneIds = [...text.matchAll(/^- \[x\] #(\d+)/gm)].map((m) => Number(m[1]));
  assert.deepEqual(doneIds, [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  assert.ok(text.includes('\n_… and 4 more done: steward list --status done --project web_\n'));
  const small = body(renderBoard([...done, ...cancelled], { now: NOW, doneLimit: 2 }));
  assert.deepEqual([...small.matchAll(/^- \[[x-]\] #(\d+)/gm)].map((m) => Number(m[1])), [13, 14, 21, 22]);
  assert.ok(small.includes('_… and 12 more done: steward list --status done --project web_'));
  assert.ok(small.includes('_… and 1 more cancelled: steward list --status cancelled --project web_'));
});

test('unreadable texts are shown once each, with their reason, quoted', () => {
  const text = body(
    renderBoard([bt(1)], {
      now: NOW,
      unreadable: [
        { text: 'hello\nworld', reason: 'not a task line' },
        { text: 'hello\nworld', reason: 'a second reason' },
        { text: '- [ ] #99 ghost', reason: 'there is no task #99' },
        { text: 'nul\u0000here', reason: 'binary' },
        { text: '   ', reason: 'blank' },
      ],
    }),
  );
  assert.ok(
    text.includes(
      [
        '## Could not read',
        '',
        '_Kept for you, never read as tasks. Fix a line and move it under a project, or delete it._',
        '',
        '- ⚠ not a task line',
        '  > hello',
        '  > world',
        '- ⚠ there is no task #99',
        '  > - [ ] #99 ghost',
        '- ⚠ binary',
        '  > nul␀here',
        '',
        '## web',
      ].join('\n'),
    ),
    text,
  );
  assert.equal(text.includes('a second reason'), false);
  assert.equal(text.includes('blank'), false);
});

test('determinism: same tasks in any order give the same text except the timestamp', () => {
  fc.assert(
    fc.property(arbBoard, fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 1e12 }), (tasks, t1, t2) => {
      const a = renderBoard(tasks, { now: t1, doneLimit: 3 }).split('\n');
      const b = renderBoard([...tasks].reverse(), { now: t2, doneLimit: 3 }).split('\n');
      assert.equal(a.length, b.length);
      const differing = a.map((l, i) => (l === b[i] ? -1 : i)).filter((i) => i >= 0);
      assert.ok(differing.length === 0 || (differing.length === 1 && a[differing[0]!]!.startsWith('generated_at:')));
    }),
  );
});

test('a NaN time does not throw', () => {
  assert.ok(renderBoard([bt(1)], { now: Number.NaN }).includes("generated_at: unknown"));
});
