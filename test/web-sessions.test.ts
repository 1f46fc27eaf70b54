// Board sessions (src/web/sessions.ts): one token logging in again and again keeps only its own newest sessions and
// never pushes another token's browser out; idle sessions end; the table stays bounded.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_SESSIONS_PER_GRANT, SESSION_IDLE_MS, Sessions } from '../src/web/sessions.js';

test('1,000 logins with one token leave another token\'s session and a one-time login alone', () => {
  const sessions = new Sessions(() => 1_000);
  const person = { role: 'triage' as const, name: 'human' };
  const viewer = { role: 'viewer' as const, name: 'dash' };
  const mine = sessions.open(person);
  const once = sessions.open({ role: 'triage', name: 'human' });
  const theirs = Array.from({ length: 1_000 }, () => sessions.open(viewer));
  assert.equal(sessions.get(mine)?.grant, person);
  assert.ok(sessions.get(once));
  // The viewer token keeps its newest MAX_SESSIONS_PER_GRANT; its older ones are gone.
  assert.equal(theirs.filter((id) => sessions.get(id)).length, MAX_SESSIONS_PER_GRANT);
  assert.ok(sessions.get(theirs.at(-1)!));
  assert.equal(sessions.get(theirs[0]!), undefined);
});

test('many tokens still meet the table\'s cap, oldest first; an idle session ends', () => {
  let now = 0;
  const sessions = new Sessions(() => now);
  const first = sessions.open({ role: 'viewer', name: 'v0' });
  const ids = Array.from({ length: 1_000 }, (_, i) => sessions.open({ role: 'viewer', name: `v${i + 1}` }));
  assert.equal(sessions.get(first), undefined, 'the oldest of 1,001 went');
  assert.ok(sessions.get(ids[0]!));
  now = SESSION_IDLE_MS + 1;
  const fresh = sessions.open({ role: 'viewer', name: 'late' });
  assert.ok(sessions.get(fresh));
  assert.equal(sessions.get(ids[1]!), undefined, 'idle past SESSION_IDLE_MS');
});
