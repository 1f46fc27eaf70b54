// Fuzz (fast-check): random and malformed arguments to every tool give only typed results, a failed
// call changes nothing in the database, and the servers keep answering.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ErrorCode, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_CODES } from '../src/core/errors.js';
import { addTask, claimTask, completeRun, failRun, proposeTask } from '../src/ops/index.js';
import { MCP_ROLES, ROLE_TOOLS, TOOL_NAMES, type McpRole } from '../src/mcp/roles.js';
import { TOOLS } from '../src/mcp/tools.js';
import type { Store } from '../src/store/open-store.js';
import { at, snapshot, tempStore } from './support/helpers.js';
import { checkInvariants } from './support/invariants.js';
import { connect, ok, type Connected } from './support/mcp.js';

const T0 = 1_700_000_000_000;

/** A queue with a task in every state, a live run and open proposals. */
function seed(store: Store): void {
  const ids = [1, 2, 3, 4, 5, 6, 7].map((i) => addTask(store, { title: `task ${i}`, review: i === 3, key: `k${i}` }, at(T0)).task.id);
  addTask(store, { title: 'waits', after: [ids[0]!] }, at(T0));
  for (let i = 0; i < 6; i++) {
    const c = claimTask(store, { agent: 'a', lease_seconds: 86_400 }, at(T0 + i));
    assert.ok(c.task);
    if (i === 0) continue; // stays running with a live run
    if (i === 1) completeRun(store, { run_id: c.run.id, summary: 'ok' }, at(T0 + 10));
    if (i === 2) completeRun(store, { run_id: c.run.id, summary: 'review me' }, at(T0 + 10));
    if (i === 3) failRun(store, { run_id: c.run.id, error: 'which?', kind: 'needs_input' }, at(T0 + 10));
    if (i === 4) failRun(store, { run_id: c.run.id, error: 'no', kind: 'fatal' }, at(T0 + 10));
    if (i === 5) failRun(store, { run_id: c.run.id, error: 'flaky' }, at(T0 + 10));
  }
  for (let i = 0; i < 5; i++) proposeTask(store, { title: `proposal ${i}`, key: i === 0 ? 'k1' : undefined }, at(T0));
}

/** Values agents send by mistake, and values that probe the edges. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -3, max: 14 }),
  fc.constantFrom(0, -0, 1.5, 1e309, Number.MAX_SAFE_INTEGER, 2 ** 53 + 2, -1, 100, 101),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('#1', '2', ' 3 ', 'urgent', 'low', 'ready', 'running,done', 'cancel', 'accept', 'merge', 'reject', 'approve', 'changes', 'answer', 'done', 'requeue', 'fatal', 'needs_input', 'rate_limit', '', ' ', '1,2', 'a b', '../x', 'NaN', 'true', 'any', 'coder', 'code'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer({ min: -1, max: 12 }), fc.string({ maxLength: 4 })), { maxLength: 4 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.oneof(fc.string({ maxLength: 5 }), fc.integer())),
  fc.string({ minLength: 300, maxLength: 400 }),
);

/** Values that are often valid for a field, so random calls also get deep into the operations. */
function plausible(field: string): fc.Arbitrary<unknown> {
  if (['id', 'run_id', 'proposal_id', 'into'].includes(field)) return fc.integer({ min: 1, max: 12 });
  if (field === 'action') return fc.constantFrom('accept', 'reject', 'merge', 'cancel', 'requeue', 'approve', 'changes', 'answer', 'done');
  if (field === 'kind') return fc.constantFrom('transient', 'rate_limit', 'needs_input', 'fatal', 'lost');
  if (field === 'priority') return fc.integer({ min: 0, max: 100 });
  if (field === 'agent') return fc.constantFrom('a', 'coder', 'any');
  if (['lease_seconds', 'retry_after', 'limit'].includes(field)) return fc.integer({ min: 5, max: 100 });
  return fc.string({ minLength: 1, maxLength: 20 }).filter((x) => x.trim() !== '' && !x.includes(','));
}

/** Arguments for `tool`: its own field names with any values, sometimes an unknown key, sometimes not an object. */
function argsFor(tool: string): fc.Arbitrary<unknown> {
  const fields = Object.keys(TOOLS[tool as keyof typeof TOOLS].input.shape);
  const known = fc.record(Object.fromEntries(fields.map((f) => [f, anyValue])), { requiredKeys: [] });
  const likely = fc.record(Object.fromEntries(fields.map((f) => [f, fc.oneof({ weight: 4, arbitrary: plausible(f) }, anyValue)])), { requiredKeys: [] });
  return fc.oneof(
    { weight: 4, arbitrary: known },
    { weight: 4, arbitrary: likely },
    { weight: 1, arbitrary: fc.tuple(known, fc.dictionary(fc.string({ maxLength: 6 }), anyValue, { maxKeys: 2 })).map(([a, b]) => ({ ...b, ...a })) },
    { weight: 1, arbitrary: fc.oneof(fc.constant(null), fc.string(), fc.integer(), fc.array(anyValue, { maxLength: 3 })) },
  );
}

/**
 * The DB minus what a LEASE_LOST complete/fail is meant to write: the late result on its run, one event, and that
 * event as the head of its task's event chain (tasks.last_event_id).
 */
function snapshotWithoutLateResults(store: Store): string {
  const tasks = (store.db.prepare('SELECT * FROM tasks ORDER BY 1').all() as Array<Record<string, unknown>>).map(
    ({ last_event_id: _head, ...rest }) => rest,
  );
  const tables = ['task_deps', 'proposals', 'meta', 'agents'];
  const runs = store.db.prepare('SELECT id, task_id, status, outcome, lease_expires_at FROM runs ORDER BY id').all();
  const events = store.db.prepare("SELECT * FROM events WHERE kind <> 'late_result' ORDER BY id").all();
  return JSON.stringify([tasks, ...tables.map((t) => store.db.prepare(`SELECT * FROM ${t} ORDER BY 1`).all()), runs, events]);
}

function isObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkTyped(result: CallToolResult, where: string): string | null {
  if (result.isError !== true) {
    assert.ok(result.structuredContent, `${where}: success carries structuredContent`);
    return null;
  }
  const sc = result.structuredContent as { code?: string; message?: string };
  assert.ok(sc && ERROR_CODES.includes(sc.code as never), `${where}: a known code, got ${JSON.stringify(result)}`);
  assert.notEqual(sc.code, 'INTERNAL', `${where}: ${sc.message}`);
  return sc.code!;
}

test('fuzz: every tool, random and malformed arguments → typed results; failures leave the DB as it was', async () => {
  const store = tempStore();
  seed(store);
  const clock = { t: T0 + 60_000 };
  const servers = {} as Record<McpRole, Connected>;
  for (const role of MCP_ROLES) servers[role] = await connect(store, role, { clock, actor: `fuzz-${role}` });
  const roleFor = (tool: string): McpRole => MCP_ROLES.find((r) => ROLE_TOOLS[r].includes(tool as never))!;
  const codes = new Map<string, number>();
  let successes = 0;

  for (const tool of TOOL_NAMES) {
    await fc.assert(
      fc.asyncProperty(argsFor(tool), async (args) => {
        const lateAllowed = tool === 'complete' || tool === 'fail';
        const before = snapshot(store);
        const beforeLoose = snapshotWithoutLateResults(store);
        const sent = servers[roleFor(tool)].raw(tool, args);
        if (!isObject(args)) {
          // Not an object: the SDK's Server refuses the request itself (JSON-RPC -32602); nothing runs.
          await assert.rejects(sent, (e: { code?: number }) => e.code === ErrorCode.InvalidParams);
          assert.equal(snapshot(store), before);
          return;
        }
        const code = checkTyped(await sent, `${tool}(${JSON.stringify(args)})`);
        if (code === null) {
          successes++;
          return;
        }
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (code === 'LEASE_LOST' && lateAllowed) assert.equal(snapshotWithoutLateResults(store), beforeLoose);
        else assert.equal(snapshot(store), before, `${tool} failed with ${code} yet changed the database`);
      }),
      { numRuns: 150, seed: 42 + TOOL_NAMES.indexOf(tool) },
    );
  }

  // Random tool names on random roles: refused (FORBIDDEN / NOT_FOUND) or served, never anything else.
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...MCP_ROLES), fc.oneof(fc.constantFrom(...TOOL_NAMES), fc.string({ maxLength: 10 })), async (role, name) => {
      const before = snapshot(store);
      const args = { agent: 'nobody-fuzz', types: ['none'] };
      const code = checkTyped(await servers[role].raw(name, args), `${role}:${name}`);
      if (code !== null) assert.equal(snapshot(store), before);
    }),
    { numRuns: 100, seed: 7 },
  );

  assert.ok(successes > 0, 'some random calls succeed');
  for (const expected of ['VALIDATION', 'NOT_FOUND', 'INVALID_TRANSITION', 'LEASE_LOST']) assert.ok(codes.has(expected), `fuzz reached ${expected}`);
  for (const role of MCP_ROLES) ok(await servers[role].call('list', { limit: 5 }));
  ok(await servers.planner.call('propose', { title: 'still standing' }));
  assert.equal(store.integrityCheck(), 'ok');
  for (const role of MCP_ROLES) await servers[role].close();
});

/** Calls per role: 2,000 in `npm test`; `npm run fuzz` sets FUZZ_CALLS higher (bounded by calls, never by time). */
const CALLS_PER_ROLE = Number(process.env.FUZZ_CALLS) || 2000;
const FUZZ_SEED = Number(process.env.FUZZ_SEED) || 20_261_203;

test(`fuzz: ${CALLS_PER_ROLE} seeded random calls per role on one queue → typed errors or valid successes; invariants hold`, async () => {
  const store = tempStore();
  seed(store);
  const clock = { t: T0 + 60_000 };
  const codes = new Map<string, number>();
  let successes = 0;
  for (const role of MCP_ROLES) {
    const server = await connect(store, role, { clock, actor: `fuzz-${role}` });
    // Mostly the role's own tools, sometimes another role's (FORBIDDEN) or an unknown name (NOT_FOUND).
    const call = fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...ROLE_TOOLS[role]).chain((tool) => argsFor(tool).map((args) => [tool, args] as const)) },
      { weight: 1, arbitrary: fc.constantFrom(...TOOL_NAMES).chain((tool) => argsFor(tool).map((args) => [tool, args] as const)) },
      { weight: 1, arbitrary: fc.tuple(fc.string({ maxLength: 8 }), fc.constant({} as unknown)) },
    );
    const step = fc.tuple(call, fc.constantFrom(0, 0, 0, 1000, 30_000, 600_000));
    const calls = fc.sample(step, { numRuns: CALLS_PER_ROLE, seed: FUZZ_SEED + MCP_ROLES.indexOf(role) });
    for (const [i, [[tool, args], advance]] of calls.entries()) {
      clock.t += advance;
      if (role === 'planner' && i % 50 === 0) addTask(store, { title: `more ${i}` }, at(clock.t));
      const sent = server.raw(tool, args);
      if (!isObject(args)) {
        await assert.rejects(sent, (e: { code?: number }) => e.code === ErrorCode.InvalidParams);
        continue;
      }
      const code = checkTyped(await sent, `${role} call ${i}: ${tool}(${JSON.stringify(args)})`);
      if (code === null) successes++;
      else codes.set(code, (codes.get(code) ?? 0) + 1);
      if (i % 100 === 0) checkInvariants(store);
    }
    checkInvariants(store);
    ok(await server.call('list', { limit: 3 }));
    await server.close();
  }
  assert.equal(store.integrityCheck(), 'ok');
  assert.ok(successes > CALLS_PER_ROLE / 10, `successes ${successes}`);
  for (const expected of ['VALIDATION', 'FORBIDDEN', 'NOT_FOUND']) assert.ok(codes.has(expected), `fuzz reached ${expected}: ${[...codes.keys()]}`);
});
