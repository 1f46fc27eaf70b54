// list's and show's inputs checked by hand (src/core/fast-input.ts) must mean exactly what zod makes of them: the
// same output for what the hand check accepts (deepStrictEqual: keys with undefined values count), and zod's own
// VALIDATION message for the rest (the hand check passes them on).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StewardError } from '../src/core/errors.js';
import { parseIdInput, parseListQuery } from '../src/core/fast-input.js';
import { idInput, listQuery, parseInput } from '../src/core/schemas.js';

function outcome(fn: () => unknown): unknown {
  try {
    return { ok: fn() };
  } catch (err) {
    assert.ok(err instanceof StewardError && err.code === 'VALIDATION', String(err));
    return { error: err.message };
  }
}

const LISTS: unknown[] = [
  {}, { status: 'ready' }, { status: 'ready,running' }, { status: ['ready', 'blocked'] }, { project: 'web', type: 'code', agent: 'w.v2' },
  { limit: 5 }, { limit: '5' }, { limit: '100' }, { limit: 100 }, { cursor: 'NTA6Mw' }, { archived: true }, { archived: false },
  { status: undefined, project: undefined, type: undefined, agent: undefined, limit: undefined, cursor: undefined, archived: undefined },
  // zod's to decide:
  { status: 'ready, running' }, { status: '' }, { status: 'nope' }, { status: ['ready,running'] }, { status: [] }, { status: 7 },
  { project: ' web ' }, { project: '' }, { project: 'a'.repeat(65) }, { limit: 0 }, { limit: 101 }, { limit: '05' }, { limit: ' 5' },
  { limit: 2.5 }, { limit: 'x' }, { cursor: 'c'.repeat(201) }, { archived: 'yes' }, { archived: 1 }, { other: 1 }, { other: undefined },
  null, 'ready', [], Object.assign(Object.create(null) as object, { status: 'ready' }),
];

const IDS: unknown[] = [
  { id: 1 }, { id: 12 }, { id: '12' }, { id: '#12' }, { id: ' 12 ' }, { id: String(Number.MAX_SAFE_INTEGER) }, { id: Number.MAX_SAFE_INTEGER },
  // zod's to decide:
  { id: '012' }, { id: '# 12' }, { id: '0' }, { id: 0 }, { id: -1 }, { id: 1.5 }, { id: '1e3' }, { id: '' }, { id: 'abc' },
  { id: String(Number.MAX_SAFE_INTEGER + 2) }, { id: '99999999999999999' }, { id: 12, extra: 1 }, {}, { id: undefined }, null, 12,
];

test('list: the hand check and zod agree on every input', () => {
  for (const input of LISTS) {
    assert.deepStrictEqual(outcome(() => parseListQuery(input)), outcome(() => parseInput(listQuery, input, 'list')), JSON.stringify(input));
  }
});

test('show: the hand check and zod agree on every id', () => {
  for (const input of IDS) {
    assert.deepStrictEqual(outcome(() => parseIdInput(input, 'show')), outcome(() => parseInput(idInput, input, 'show')), JSON.stringify(input));
  }
});
