// The caller simulated: rounds of human edits and queue changes, commands applied, the board
// rendered again. Checks: only what the person changed becomes a command, nothing typed is lost,
// nothing is applied twice, kept texts are never duplicated.
import { visibleText } from '../../src/core/visible-text.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TRANSITIONS, TASK_ACTIONS, canTransition, type TaskState } from '../../src/core/states.js';
import { parsePriority } from '../../src/core/policy.js';
import { diffBoard, escapeTitle, normaliseTitle, parseBoard, parseTaskLine, renderBoard, unreadableLines, type BoardCommand, type BoardTask, type LineFields } from '../../src/board/index.js';
import { normaliseWord, sanitiseText } from '../../src/board/board-line.js';
import { readKeptHeader } from '../../src/board/board-layout.js';
import { arbAgent, arbProject, arbStatus, arbTitle, arbType } from './board-fixtures.js';

/** `origin`: for a task a new line made, its project and the line's text, as createCommand keys them (else null). */
type SimTask = BoardTask & { answer: string | null; key: string | null; finishedAt: number | null; origin: string | null };
type Db = Map<number, SimTask>;

const PRIORITY_TOKENS = ['!urgent', '!high', '!normal', '!low', 'p0', '!100', '!7', 'P42'];
const arbWords = fc.stringMatching(/^[a-z]{1,6}( [a-z]{1,6}){0,3}$/);

type Edit =
  | { kind: 'tick' | 'cancel' | 'untick' | 'delete'; target: number }
  | { kind: 'priority'; target: number; token: string }
  | { kind: 'title'; target: number; title: string }
  | { kind: 'agent'; target: number; agent: string }
  | { kind: 'answer'; target: number; text: string };
const arbEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constantFrom('tick', 'cancel', 'untick', 'delete') as fc.Arbitrary<'tick'>, target: fc.nat() }),
  fc.record({ kind: fc.constant('priority' as const), target: fc.nat(), token: fc.constantFrom(...PRIORITY_TOKENS) }),
  fc.record({ kind: fc.constant('title' as const), target: fc.nat(), title: arbTitle }),
  fc.record({ kind: fc.constant('agent' as const), target: fc.nat(), agent: fc.constantFrom('coder', 'codex', 'any', 'x.y-z') }),
  fc.record({ kind: fc.constant('answer' as const), target: fc.nat(), text: arbWords }),
);

/** A single line a person might type that is not board structure steward owns. */
const arbGarbage = fc
  .oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.constantFrom('---', '* * *', '> a quote', '  indented note', '<!-- comment -->', '| a | b |', '- [x] did it', '- [ ] !hgh typo', '1. numbered', '**bold**', '\u0000\u0001bin', '- plain bullet', '[ ] box only'),
  )
  .map((s) => s.replace(/[\r\n]/g, ' ').trimEnd())
  .filter((s) => {
    if (s.trim() === '' || s.startsWith('#') || /^\s*answer:/i.test(s) || readKeptHeader(s) !== null || s.startsWith('_… and')) return false;
    const parsed = parseTaskLine(s);
    return !(parsed && parsed.ok && parsed.fields.id !== null) && !(parsed && !parsed.ok && parsed.id !== null);
  });

type Insert =
  | { kind: 'new'; at: number; title: string; markers: string[] }
  | { kind: 'garbage'; at: number; text: string };
const arbInsert: fc.Arbitrary<Insert> = fc.oneof(
  fc.record({
    kind: fc.constant('new' as const),
    at: fc.nat(),
    title: fc.oneof(arbTitle, arbWords),
    markers: fc.subarray(['!high', 'p5', 'type:docs', '@codex', '!low']),
  }),
  fc.record({ kind: fc.constant('garbage' as const), at: fc.nat(), text: arbGarbage }),
);

type QueueChange =
  | { kind: 'status'; target: number; pick: number }
  | { kind: 'retitle'; target: number; title: string }
  | { kind: 'reprioritise'; target: number; priority: number }
  | { kind: 'add'; project: string; title: string; status: TaskState; type: string; agent: string };
const arbQueue: fc.Arbitrary<QueueChange> = fc.oneof(
  fc.record({ kind: fc.constant('status' as const), target: fc.nat(), pick: fc.nat() }),
  fc.record({ kind: fc.constant('retitle' as const), target: fc.nat(), title: arbTitle }),
  fc.record({ kind: fc.constant('reprioritise' as const), target: fc.nat(), priority: fc.integer({ min: 0, max: 100 }) }),
  fc.record({ kind: fc.constant('add' as const), project: arbProject, title: arbTitle, status: arbStatus, type: arbType, agent: arbAgent }),
);

const arbRound = fc.record({
  edits: fc.array(arbEdit, { maxLength: 6 }),
  inserts: fc.array(arbInsert, { maxLength: 4 }),
  queue: fc.array(arbQueue, { maxLength: 4 }),
});

const factOf = (t: SimTask) => `${t.status} — note | #${t.id} [x]`;
const list = (db: Db): SimTask[] => [...db.values()].map((t) => ({ ...t, fact: factOf(t) }));
const clone = (db: Db): Db => new Map([...db].map(([id, t]) => [id, { ...t }]));

function applyQueue(db: Db, change: QueueChange, now: number): void {
  const ids = [...db.keys()];
  if (change.kind === 'add') {
    const id = Math.max(0, ...ids) + 1;
    const { kind: _, ...rest } = change;
    db.set(id, { id, ...rest, priority: 50, fact: '', answer: null, key: null, finishedAt: now, origin: null });
    return;
  }
  if (ids.length === 0) return;
  const task = db.get(ids[change.target % ids.length]!)!;
  if (change.kind === 'retitle') task.title = change.title;
  else if (change.kind === 'reprioritise') task.priority = change.priority;
  else {
    const actions = TASK_ACTIONS.filter((a) => TRANSITIONS[a].from.includes(task.status));
    if (actions.length === 0) return;
    const action = actions[change.pick % actions.length]!;
    const to = TRANSITIONS[action].to;
    task.status = to[change.pick % to.length]!;
    if (action === 'answer') task.answer = 'answered by the queue';
    if (task.status === 'done' || task.status === 'cancelled') task.finishedAt = now;
  }
}

function applyCommand(db: Db, cmd: BoardCommand, now: number): void {
  if (cmd.kind === 'unreadable' || cmd.kind === 'removed') return;
  if (cmd.kind === 'create') {
    const id = Math.max(0, ...db.keys()) + 1;
    db.set(id, {
      id, project: cmd.project, title: cmd.title, priority: cmd.priority ?? 50, type: cmd.type ?? 'code', agent: cmd.agent ?? 'any',
      status: 'pending', fact: '', answer: null, key: cmd.key, finishedAt: null, origin: slotOf(cmd.project, cmd.raw),
    });
    return;
  }
  const task = db.get(cmd.id);
  assert.ok(task, `command for a task not in the DB: ${JSON.stringify(cmd)}`);
  if (cmd.kind === 'done') {
    assert.ok(task.status !== 'done' && canTransition('force_done', task.status, 'done'), `done from ${task.status}`);
    task.status = 'done';
    task.finishedAt = now;
  } else if (cmd.kind === 'cancel') {
    assert.ok(canTransition('cancel', task.status, 'cancelled'), `cancel from ${task.status}`);
    task.status = 'cancelled';
    task.finishedAt = now;
  } else if (cmd.kind === 'answer') {
    assert.equal(task.status, 'blocked');
    task.answer = cmd.text;
    task.status = 'ready';
  } else if (cmd.kind === 'priority') task.priority = cmd.priority;
  else if (cmd.kind === 'title') task.title = cmd.title;
  else if (cmd.kind === 'agent') task.agent = cmd.agent;
}

/** Inserts `marker` words just before the note separator of a rendered line. */
function beforeNote(line: string, words: string): string {
  const at = line.indexOf(' — ');
  return at < 0 ? `${line} ${words}` : `${line.slice(0, at)} ${words}${line.slice(at)}`;
}

interface Expectation {
  id: number;
  edit: Edit;
  text: string[]; // the lines the person wrote
  cmds: BoardCommand[];
  unreadable: boolean;
  /** True when the DB after applying shows the edit took effect. */
  effect: (db: Db) => boolean;
}

function expect(edit: Edit, base: LineFields, task: SimTask, line: string): Expectation {
  const id = task.id;
  const out = (cmds: BoardCommand[], unreadable: boolean, text: string[], effect: (db: Db) => boolean): Expectation => ({ id, edit, cmds, unreadable, text, effect });
  const t = (db: Db) => db.get(id)!;
  switch (edit.kind) {
    case 'tick':
    case 'cancel': {
      const box = edit.kind === 'tick' ? 'x' : '-';
      const to = edit.kind === 'tick' ? 'done' : 'cancelled';
      const text = [line.replace(/^- \[.\]/, `- [${box}]`)];
      const effect = (db: Db) => t(db).status === to;
      if (base.check === box || task.status === to) return out([], false, text, () => true);
      const ok = edit.kind === 'tick' ? canTransition('force_done', task.status, 'done') : canTransition('cancel', task.status, 'cancelled');
      return ok ? out([{ kind: edit.kind === 'tick' ? 'done' : 'cancel', id }], false, text, effect) : out([], true, text, effect);
    }
    case 'untick': {
      const text = [line.replace(/^- \[.\]/, '- [ ]')];
      const closed = task.status === 'done' || task.status === 'cancelled';
      return out([], base.check !== ' ' && closed, text, () => base.check === ' ' || !closed);
    }
    case 'delete':
      return out([{ kind: 'removed', id }], false, [], () => true);
    case 'priority': {
      const p = parsePriority(edit.token.replace(/^[!pP]/, ''))!;
      const text = [beforeNote(line, edit.token)];
      const cmds: BoardCommand[] = p === base.priority || p === task.priority ? [] : [{ kind: 'priority', id, priority: p }];
      return out(cmds, false, text, (db) => p === base.priority || t(db).priority === p);
    }
    case 'agent': {
      const text = [beforeNote(line, `@${edit.agent}`)];
      const cmds: BoardCommand[] = edit.agent === base.agent || edit.agent === normaliseWord(task.agent) ? [] : [{ kind: 'agent', id, agent: edit.agent }];
      return out(cmds, false, text, (db) => edit.agent === base.agent || normaliseWord(t(db).agent) === edit.agent);
    }
    case 'title': {
      const nt = normaliseTitle(edit.title);
      const text = [`- [${base.check}] #${id} ${escapeTitle(edit.title)} — my own note`];
      if (nt === '') return out([], true, text, () => false);
      const cmds: BoardCommand[] = nt === base.title || nt === normaliseTitle(task.title) ? [] : [{ kind: 'title', id, title: nt }];
      return out(cmds, false, text, (db) => nt === base.title || normaliseTitle(t(db).title) === nt);
    }
    case 'answer': {
      const text = [line, `  answer: ${edit.text}`];
      const effect = (db: Db) => t(db).answer === edit.text;
      if (task.answer === edit.text) return out([], false, text, effect);
      if (task.status === 'blocked') return out([{ kind: 'answer', id, text: edit.text }], false, text, effect);
      return out([], true, [`  answer: ${edit.text}`], effect);
    }
  }
}

const slotOf = (project: string, raw: string) => `${project}\u0000${raw}`;
const ids = (board: string) => new Set(parseBoard(board).tasks.map((t) => (t.parsed.ok ? t.parsed.fields.id : t.parsed.id)).filter((id) => id !== null));

/**
 * The creates the inserted new lines are owed, and the slots of the lines that make none because they are a stale save. createCommand's
 * rule per project and line text: the tasks earlier copies of the line made are walked in the order they were made. One
 * whose line the file shows is another copy, and one finished and not on the last render an old copy: both are passed.
 * One open or on the last render while the file no longer shows its line is this same line saved again from a stale
 * buffer (the person cannot be told apart from one who deleted that task's line and typed the line again): it takes the
 * line, and nothing is created.
 */
function owedCreates(inserted: { text: string; project: string }[], file: string, lastRender: string, db: Db) {
  const inFile = ids(file);
  const lastIds = ids(lastRender);
  const next = new Map<string, number>();
  const stale = new Set<string>();
  const creates = inserted.flatMap(({ text, project }) => {
    const p = parseTaskLine(text);
    if (!p?.ok || p.fields.id !== null || p.fields.check !== ' ') return [];
    const raw = text.trim();
    const slot = slotOf(project, raw);
    const copies = [...db.values()].filter((t) => t.origin === slot).sort((a, b) => a.id - b.id);
    let k = next.get(slot) ?? 0;
    let saved = false;
    for (; k < copies.length && !saved; k++) {
      const t = copies[k]!;
      const open = t.status !== 'done' && t.status !== 'cancelled';
      saved = !inFile.has(t.id) && (open || lastIds.has(t.id));
    }
    next.set(slot, saved ? k : k + 1);
    if (saved) {
      stale.add(slot);
      return [];
    }
    const f = p.fields;
    return [{ project, title: f.title, priority: f.priority, type: f.type, agent: f.agent, raw }];
  });
  return { creates, stale };
}

const quoted = (render: string) => render.split('\n').filter((l) => l.startsWith('  >')).map((l) => l.slice(4));
/** The kept entries of a render, read without the parser: the quoted lines under each ⚠ line. */
const keptEntries = (render: string) => {
  const out: string[][] = [];
  for (const l of render.split('\n')) {
    if (l.startsWith('- ⚠')) out.push([]);
    else if (l.startsWith('  >') && out.length > 0) out[out.length - 1]!.push(l.slice(4));
  }
  return out.map((e) => e.join('\n'));
};
const visible = (render: string, text: string) => {
  const q = quoted(render);
  const s = visibleText(sanitiseText(text)).trimEnd(); // kept lines show hidden characters escaped (issue 14)
  return q.includes(s) || (/^\s*>/.test(s) && q.includes(s.replace(/^\s*> ?/, '')));
};

function playRound(db: Db, lastRender: string, round: { edits: Edit[]; inserts: Insert[]; queue: QueueChange[] }, now: number) {
  const lines = lastRender.split('\n');
  const taskLines = lines.map((l, i) => (/^- \[.\] #\d+ /.test(l) ? i : -1)).filter((i) => i >= 0);
  const replaced = new Map<number, string[]>();
  const baseOf = new Map<number, { base: LineFields; line: string }>();
  const edits: { edit: Edit; index: number; id: number }[] = [];
  for (const edit of round.edits) {
    if (taskLines.length === 0) break;
    const index = taskLines[edit.target % taskLines.length]!;
    if (replaced.has(index)) continue;
    const parsed = parseTaskLine(lines[index]!);
    assert.ok(parsed?.ok && parsed.fields.id !== null);
    const id = parsed.fields.id;
    baseOf.set(id, { base: parsed.fields, line: lines[index]! });
    edits.push({ edit, index, id });
    replaced.set(index, []); // filled after the queue changes (the text does not depend on them)
  }
  // Queue changes happen between the render and the read.
  const dbAtDiff = clone(db);
  for (const change of round.queue) applyQueue(dbAtDiff, change, now);
  const expectations = edits.map(({ edit, index, id }) => {
    const { base, line } = baseOf.get(id)!;
    const e = expect(edit, base, dbAtDiff.get(id)!, line);
    replaced.set(index, edit.kind === 'delete' ? [] : e.text.length === 1 && edit.kind === 'answer' ? [line, ...e.text] : e.text);
    return e;
  });
  // Inserts go into gaps: just before a heading, or at the end.
  const gaps = lines.map((l, i) => (/^#{2,3} /.test(l) ? i : -1)).filter((i) => i >= 0).concat(lines.length);
  const insertsAt = new Map<number, Insert[]>();
  for (const ins of round.inserts) {
    const gap = gaps[ins.at % gaps.length]!;
    insertsAt.set(gap, [...(insertsAt.get(gap) ?? []), ins]);
  }
  const file: string[] = [];
  const inserted: { ins: Insert; text: string; project: string }[] = [];
  let project = 'default';
  for (let i = 0; i <= lines.length; i++) {
    for (const ins of insertsAt.get(i) ?? []) {
      const text = ins.kind === 'new' ? [`- [ ] ${escapeTitle(ins.title)}`, ...ins.markers].join(' ') : ins.text;
      // An indented line after an answer (blank lines between) is its next paragraph: a state heading ends the answer first.
      if (/^\s/.test(text) && /^\s+answer:/i.test(file.filter((l) => l.trim() !== '').at(-1) ?? '')) file.push('### ready');
      inserted.push({ ins, text, project });
      file.push(text);
    }
    if (i === lines.length) break;
    const heading = /^## (.*)$/.exec(lines[i]!);
    if (heading) project = heading[1] === 'Could not read' ? 'default' : heading[1]!;
    file.push(...(replaced.get(i) ?? [lines[i]!]));
  }
  return { file: file.join('\n'), dbAtDiff, expectations, inserted };
}

test('property: simulated caller — only the person’s edits, nothing lost, nothing applied twice', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(arbProject, arbTitle, arbStatus, fc.integer({ min: 0, max: 100 }), arbType, arbAgent), { maxLength: 10 }), fc.array(arbRound, { minLength: 1, maxLength: 4 }), (seed, rounds) => {
      let now = 1_000_000;
      let db: Db = new Map(seed.map(([project, title, status, priority, type, agent], i) => [i + 1, { id: i + 1, project, title, status, priority, type, agent, fact: '', answer: null, key: null, finishedAt: i, origin: null }]));
      let lastRender = renderBoard(list(db), { now, doneLimit: 3 });
      for (const round of rounds) {
        now += 60_000;
        const { file, dbAtDiff, expectations, inserted } = playRound(db, lastRender, round, now);
        const cmds = diffBoard(lastRender, file, list(dbAtDiff));

        // Only what the person changed, exactly.
        const edited = new Set(expectations.map((e) => e.id));
        for (const e of expectations) {
          const got = cmds.filter((c) => c.kind !== 'unreadable' && c.kind !== 'create' && c.id === e.id);
          assert.deepEqual(got, e.cmds, `edit ${JSON.stringify(e.edit)} of #${e.id}`);
          // Fresh only: a kept entry from an earlier round can hold the very same text (the same edit,
          // refused then, made again now that the queue allows it).
          const shown = e.text.length > 0 && cmds.some((c) => c.kind === 'unreadable' && c.fresh && e.text.every((t) => c.text.split('\n').includes(sanitiseText(t))));
          assert.equal(shown, e.unreadable, `unreadable for ${JSON.stringify(e.edit)}: ${JSON.stringify(cmds)}`);
        }
        for (const c of cmds) if (c.kind !== 'unreadable' && c.kind !== 'create') assert.ok(edited.has(c.id), `unasked command ${JSON.stringify(c)}`);
        const { creates: expectedCreates, stale } = owedCreates(inserted, file, lastRender, dbAtDiff);
        const creates = cmds.filter((c) => c.kind === 'create').map((c) => ({ project: c.project, title: c.title, priority: c.priority, type: c.type, agent: c.agent, raw: c.raw }));
        assert.deepEqual(creates, expectedCreates);
        for (const ins of inserted) {
          if (ins.ins.kind === 'new' && normaliseTitle(ins.ins.title) !== '' && !stale.has(slotOf(ins.project, ins.text.trim()))) {
            assert.ok(expectedCreates.some((c) => c.raw === ins.text.trim()), `new line not created: ${ins.text}`);
          }
        }

        // Apply, as the tick would.
        const after = clone(dbAtDiff);
        for (const c of cmds) applyCommand(after, c, now);

        // Applying twice is impossible: the same read against the updated DB asks for nothing new.
        const again = diffBoard(lastRender, file, list(after));
        for (const c of again) assert.ok(c.kind === 'unreadable' || c.kind === 'removed', `applied twice: ${JSON.stringify(c)}`);

        // Nothing the person wrote is lost: it took effect, or it is shown under Could not read.
        const next = renderBoard(list(after), { now: now + 1, doneLimit: 3, unreadable: unreadableLines(cmds) });
        for (const e of expectations) {
          if (e.edit.kind === 'delete') continue;
          assert.ok(e.effect(after) || e.text.every((t) => visible(next, t)), `lost edit ${JSON.stringify(e.edit)} of #${e.id}`);
        }
        for (const { ins, text, project } of inserted) {
          const created = cmds.some((c) => c.kind === 'create' && c.raw === text.trim());
          // A stale save's line is the task an earlier copy made, still in the queue.
          const slot = slotOf(project, text.trim());
          const made = stale.has(slot) && [...after.values()].some((t) => t.origin === slot);
          assert.ok(created || made || visible(next, text), `lost line ${JSON.stringify(text)} (${ins.kind})`);
        }
        for (const q of quoted(lastRender)) assert.ok(quoted(next).includes(q), `lost kept line ${JSON.stringify(q)}`);
        if (round.edits.length === 0 && round.inserts.length === 0) assert.deepEqual(quoted(next), quoted(lastRender));
        const entries = keptEntries(next);
        assert.equal(new Set(entries).size, entries.length, 'a kept text shown twice');

        // Kept texts appear once, and read back as they are (not fresh).
        const kept = parseBoard(next).kept.map((k) => k.text);
        assert.equal(new Set(kept).size, kept.length);
        const reread = diffBoard(next, next, list(after));
        assert.ok(reread.every((c) => c.kind === 'unreadable' && !c.fresh));
        assert.deepEqual(reread.map((c) => (c as { text: string }).text), kept);

        db = after;
        lastRender = next;
      }
    }),
    { numRuns: 300 },
  );
});
