// Hostile payloads on the worker verbs: deep or huge evidence/artifacts are VALIDATION (never a stack
// overflow), a repeated late result is stored once, and a tools/call without a name is a clean -32602.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallToolResultSchema, ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { MAX_PAYLOAD_BYTES, MAX_PAYLOAD_DEPTH } from '../src/core/payload-limits.js';
import { addTask, claimTask, completeRun } from '../src/ops/index.js';
import type { Store } from '../src/store/open-store.js';
import { at, tempStore } from './support/helpers.js';
import { connect, fails, ok } from './support/mcp.js';

const T0 = 1_700_000_000_000;

/** Claims the one ready task; returns its run id. */
function claimRun(store: Store, leaseSeconds: number): number {
  const c = claimTask(store, { agent: 'a', lease_seconds: leaseSeconds }, at(T0));
  assert.ok(c.task);
  return c.run.id;
}

/** An array nested `depth` levels deep, built without recursion. */
function nested(depth: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

test('complete with 100,000-deep evidence (or artifacts) is VALIDATION, not a stack overflow; the run stays live', async () => {
  const store = tempStore();
  addTask(store, { title: 't' }, at(T0));
  const runId = claimRun(store, 600);
  const worker = await connect(store, 'worker', { clock: { t: T0 + 1 } });
  for (const field of ['evidence', 'artifacts']) {
    const err = fails(await worker.raw('complete', { run_id: runId, [field]: nested(100_000) }), 'VALIDATION');
    assert.match(err.message, new RegExp(`${field}.*deeper than ${MAX_PAYLOAD_DEPTH}`));
  }
  // The limit itself is fine; one more level is not.
  fails(await worker.raw('complete', { run_id: runId, evidence: nested(MAX_PAYLOAD_DEPTH + 1) }), 'VALIDATION');
  assert.throws(() => completeRun(store, { run_id: runId, evidence: nested(100_000) }, at(T0 + 2)), /VALIDATION|deeper/);
  const done = ok(await worker.raw('complete', { run_id: runId, evidence: nested(MAX_PAYLOAD_DEPTH - 1) }));
  assert.equal(done.task.status, 'done');
  await worker.close();
});

test('evidence or artifacts over the size cap are VALIDATION; a wide but small object passes', async () => {
  const store = tempStore();
  addTask(store, { title: 't' }, at(T0));
  const runId = claimRun(store, 600);
  const worker = await connect(store, 'worker', { clock: { t: T0 + 1 } });
  const big = 'x'.repeat(MAX_PAYLOAD_BYTES);
  for (const field of ['evidence', 'artifacts']) {
    const err = fails(await worker.raw('complete', { run_id: runId, [field]: { log: big } }), 'VALIDATION');
    assert.match(err.message, new RegExp(`${field}.*over ${MAX_PAYLOAD_BYTES} bytes`));
  }
  ok(await worker.raw('complete', { run_id: runId, evidence: { tail: 'y'.repeat(1000), list: [1, 2, 3] } }));
  await worker.close();
});

test('a repeated LEASE_LOST complete with the same payload is stored once', async () => {
  const store = tempStore();
  addTask(store, { title: 't' }, at(T0));
  const runId = claimRun(store, 5);
  const worker = await connect(store, 'worker', { clock: { t: T0 + 60_000 } });
  const payload = { run_id: runId, summary: 'late', evidence: { tail: 'z'.repeat(50_000) } };
  const size = () => (store.db.prepare("SELECT coalesce(sum(length(data_json)), 0) AS n FROM events WHERE kind = 'late_result'").get() as { n: number }).n;
  fails(await worker.raw('complete', payload), 'LEASE_LOST');
  const once = size();
  assert.ok(once > 50_000);
  for (let i = 0; i < 20; i++) fails(await worker.raw('complete', payload), 'LEASE_LOST');
  assert.equal(size(), once, 'twenty repeats add nothing');
  const events = store.db.prepare("SELECT count(*) AS n FROM events WHERE kind = 'late_result'").get() as { n: number };
  assert.equal(events.n, 1);
  // A different late payload is still kept.
  fails(await worker.raw('complete', { ...payload, summary: 'later' }), 'LEASE_LOST');
  assert.equal((store.db.prepare("SELECT count(*) AS n FROM events WHERE kind = 'late_result'").get() as { n: number }).n, 2);
  await worker.close();
});

test('tools/call without params, without params.name (or with a non-string name) is JSON-RPC -32602, without a zod dump', async () => {
  const store = tempStore();
  const worker = await connect(store, 'worker');
  for (const params of [undefined, {}, { arguments: {} }, { name: 7, arguments: {} }, { name: null }]) {
    await assert.rejects(
      worker.client.request({ method: 'tools/call', ...(params === undefined ? {} : { params }) } as never, CallToolResultSchema),
      (e: { code?: number; message?: string }) => {
        assert.equal(e.code, ErrorCode.InvalidParams, JSON.stringify(e));
        assert.doesNotMatch(e.message ?? '', /"code":|invalid_type|expected/);
        return true;
      },
    );
  }
  ok(await worker.call('list', {}));
  await worker.close();
});

test('a malformed resources/read, prompts/get or tools/list is JSON-RPC -32602 naming the field, not -32603 with a zod dump', async () => {
  const store = tempStore();
  addTask(store, { title: 'readable' }, at(T0));
  const planner = await connect(store, 'planner');
  const requests: Array<[string, Record<string, unknown> | undefined, RegExp]> = [
    ['resources/read', undefined, /params/],
    ['resources/read', { uri: 5 }, /uri/],
    ['resources/read', { uri: 'not a uri' }, /not a URI/],
    ['prompts/get', undefined, /params/],
    ['prompts/get', { name: 'propose_well', arguments: { topic: 5 } }, /topic/],
    ['tools/list', { cursor: 5 }, /cursor/],
  ];
  for (const [method, params, names] of requests) {
    await assert.rejects(
      planner.client.request({ method, ...(params === undefined ? {} : { params }) } as never, z.unknown() as never),
      (e: { code?: number; message?: string }) => {
        assert.equal(e.code, ErrorCode.InvalidParams, `${method} ${JSON.stringify(params)}: ${JSON.stringify(e)}`);
        assert.match(e.message ?? '', names);
        assert.doesNotMatch(e.message ?? '', /"code":|invalid_type|\n/);
        return true;
      },
    );
  }
  const read = await planner.client.readResource({ uri: 'steward://task/1' });
  assert.match(String((read.contents[0] as { text: string }).text), /readable/);
  assert.equal((await planner.client.getPrompt({ name: 'propose_well', arguments: { topic: 'x' } })).messages.length, 1);
  assert.equal((await planner.client.listTools()).tools.length, 3);
  await planner.close();
});
