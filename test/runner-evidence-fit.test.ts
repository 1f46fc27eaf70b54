// An outcome whose evidence passes 256 KiB as JSON is cut down, not refused: refused, the run would be lost.
// Through the real babysitter: a command agent prints 4,000 control characters (its summary, 6 bytes each in JSON), 20
// verify commands print 2,500 each and the last fails: ~275 KB of evidence on a fail outcome.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { MAX_PAYLOAD_BYTES, payloadProblem } from '../src/core/payload-limits.js';
import { fitEvidence } from '../src/runner/fit-evidence.js';
import { workRun } from '../src/runner/work.js';
import { addAndClaim, configOf, depsOf, runOf, sandbox, taskOf } from './support/runner.js';

test('evidence over the limit through the babysitter: the run fails as its verify says, with its evidence shortened', async () => {
  const sb = sandbox();
  const script = join(sb.root, 'ctl.mjs');
  writeFileSync(script, 'process.stdout.write("\\u0001".repeat(Number(process.argv[2]))); process.exit(Number(process.argv[3] ?? 0));\n');
  const config = configOf({ coder: { cli: 'command', command: [process.execPath, script, '4000'], leaseSeconds: 30 } });
  // Each command also carries 1,000 characters of an argument the script ignores: 20 KB more.
  const pad = 'p'.repeat(1000);
  const verify = [...Array.from({ length: 19 }, () => `node ${script} 2500 0 ${pad}`), `node ${script} 2500 3 ${pad}`];
  const { task, run } = addAndClaim(sb, { verify });
  const r = await workRun(depsOf(sb, config), run.id);
  assert.deepEqual([r.status, r.kind, taskOf(sb, task.id).status], ['failed', 'transient', 'ready'], r.error);
  const evidence = runOf(sb, run.id).evidence as { verify: Array<{ exit_code: number; output_tail: string }>; evidence_cut: string };
  assert.equal(payloadProblem(evidence), null);
  assert.match(evidence.evidence_cut, /output tails and lists shortened/);
  assert.deepEqual(evidence.verify.map((v) => v.exit_code), [...Array(19).fill(0), 3], 'every command and its exit code are kept');
});

test('fitEvidence: untouched when it fits; shortened, then only plain fields, when it does not', () => {
  const small = { evidence: { exit_code: 0, verify: [{ command: 'x', exit_code: 0, output_tail: 'ok' }] } };
  assert.equal(fitEvidence(small), undefined);
  assert.deepEqual(small.evidence.verify[0], { command: 'x', exit_code: 0, output_tail: 'ok' });
  const files = Array.from({ length: 250 }, (_, i) => `${'\u0001'.repeat(200)}-${i}`);
  const big: Record<string, unknown> = { evidence: { exit_code: 1, git: { branch: 'b', files } } };
  assert.notEqual(payloadProblem(big.evidence), null);
  assert.match(String(fitEvidence(big)), /output tails and lists shortened/);
  assert.deepEqual((big.evidence as { git: unknown }).git, { branch: 'b', files: files.slice(0, 20), files_total: 250 });
  const huge: Record<string, unknown> = { evidence: { exit_code: 2, blob: { x: '\u0001'.repeat(MAX_PAYLOAD_BYTES) } } };
  assert.match(String(fitEvidence(huge)), /only its plain fields are kept/);
  assert.deepEqual(Object.keys(huge.evidence as object).sort(), ['evidence_cut', 'exit_code']);
});
