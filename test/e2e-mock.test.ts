// The e2e harness's mock model (e2e/mock-model.ts): the `par` scenario's per-run file and its barrier, which holds
// a run's model call until the other run of its group called too (so the real CLIs' runs overlap for sure).
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { startMockModel, scriptOf, type MockModel } from '../e2e/mock-model.js';
import { parGoalOf } from '../e2e/parallel.js';

const mocks: MockModel[] = [];
after(async () => {
  for (const m of mocks) await m.close();
});

/** One Anthropic Messages call with the Bash tool, as Claude Code sends it. */
async function call(url: string, prompt: string): Promise<{ name: string; command: string }> {
  const res = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      model: 'm',
      stream: false,
      messages: [{ role: 'user', content: [{ type: 'text', text: prompt }] }],
      tools: [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
    }),
  });
  const body = (await res.json()) as { content: Array<{ type: string; name: string; input: { command: string } }> };
  const use = body.content.find((c) => c.type === 'tool_use')!;
  return { name: use.name, command: use.input.command };
}

/** Waits until `cond` holds (a safety bound of 120 s reports instead of hanging). */
async function waitFor(cond: () => boolean, what: string): Promise<void> {
  const giveUp = Date.now() + 120_000;
  while (!cond()) {
    if (Date.now() > giveUp) assert.fail(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('e2e mock model: par', () => {
  test('each run writes its own file; the first call waits for the other run of its group', async () => {
    const mock = await startMockModel({ parHoldMs: 120_000 });
    mocks.push(mock);
    let firstDone = false;
    const first = call(mock.url, parGoalOf('claude-alpha')).then((r) => ((firstDone = true), r));
    // The first call is held: wait until it waits at the barrier, then let the event loop run; it must still wait.
    await waitFor(() => mock.held() === 1, 'the first call waits at the barrier');
    await new Promise((r) => setImmediate(r));
    assert.equal(firstDone, false, 'the first call was answered before the second run called');
    // A call of another group does not release it (that one stays held until the server closes).
    void call(mock.url, parGoalOf('codex-alpha')).catch(() => undefined);
    await waitFor(() => mock.held() === 2, 'the other group\'s call waits too');
    await new Promise((r) => setImmediate(r));
    assert.equal(firstDone, false, 'a call of another group released the barrier');
    const second = await call(mock.url, parGoalOf('claude-beta'));
    const a = await first;
    assert.deepEqual(a, { name: 'Bash', command: 'echo e2e-claude-alpha > claude-alpha.txt' });
    assert.deepEqual(second, { name: 'Bash', command: 'echo e2e-claude-beta > claude-beta.txt' });
    assert.match(mock.requests.find((r) => r.body.includes('claude-alpha'))!.reply, /^tool Bash \(held \d+ ms\)$/);
  });

  test('scriptOf: without a file the rows write hello.txt', () => {
    assert.equal(scriptOf('ok').command, 'echo e2e-file > hello.txt');
    assert.deepEqual(scriptOf('par', 'x-y'), { command: 'echo e2e-x-y > x-y.txt', final: 'E2E-DONE par x-y' });
  });
});
