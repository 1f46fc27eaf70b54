// A run's log is capped (a profile's logMaxMb): a CLI that floods its output cannot fill the disk, and the log still
// says how much it left out and keeps the output's last 64 KiB before each of steward's lines.
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { LOG_KEPT_TAIL_BYTES, RunLog } from '../src/runner/run-log.js';
import { cli, tempDir } from './support/helpers.js';

describe('run log cap', () => {
  test('past the cap the output is counted, its last 64 KiB kept before the next steward line; steward lines always written; the tee gets everything', () => {
    const path = join(tempDir(), 'logs', '1-1.log');
    let teed = 0;
    const log = new RunLog(path, { write: (c) => (teed += Buffer.byteLength(c)) }, 10_000);
    log.line('run 1 started');
    // 20 chunks of 50,000 bytes, each a different letter: 1,000,000 bytes, 100× the cap.
    const letters = 'abcdefghijklmnopqrst';
    for (const ch of letters) log.write(Buffer.alloc(50_000, ch));
    log.line('CLI ended: exited, exit 0');
    log.write('late output\n');
    log.close();
    assert.equal(teed, 1_000_000 + 'late output\n'.length);
    const text = readFileSync(path, 'latin1');
    assert.ok(statSync(path).size < 10_000 + LOG_KEPT_TAIL_BYTES + 2_000, `log size ${statSync(path).size}`);
    assert.match(text, /the log reached its cap of 0\.01 MiB/);
    // Up to the cap, the output as it came; then the left-out count and the last 64 KiB (the end of 't', after 's').
    const left = text.match(/=== steward \S+ output past the log cap \(0\.01 MiB\): (\d+) bytes left out, the last (\d+) follow\n/);
    assert.ok(left, text.slice(0, 300));
    assert.equal(Number(left[2]), LOG_KEPT_TAIL_BYTES);
    // The kept bytes, then the newline steward puts before its line when the output did not end one.
    const tail = text.slice(left.index! + left[0].length, text.indexOf('=== steward', left.index! + left[0].length));
    assert.equal(tail, 's'.repeat(LOG_KEPT_TAIL_BYTES - 50_000) + 't'.repeat(50_000) + '\n');
    // Bytes before the cap line + left out + kept = everything before 'CLI ended'.
    const before = text.slice(text.indexOf('\n') + 1, text.indexOf('\n=== steward', text.indexOf('\n') + 1));
    assert.equal(before.length + Number(left[1]) + Number(left[2]), 1_000_000);
    assert.match(text, /CLI ended: exited, exit 0\n/);
    // Output after a steward line is held again and flushed at close, with its own count.
    assert.match(text, /=== steward \S+ output past the log cap \(0\.01 MiB\): 0 bytes left out, the last 12 follow\nlate output\n$/);
  });

  test('under the cap nothing changes: the output as it came, no cap line', () => {
    const path = join(tempDir(), '1-1.log');
    const log = new RunLog(path, null, 10_000);
    log.write('hello\n');
    log.line('done');
    log.close();
    assert.match(readFileSync(path, 'utf8'), /^hello\n=== steward \S+ done\n$/);
  });

  test('steward work: a CLI printing 4 MB under logMaxMb 1 leaves a log of about 1 MiB, its last line in it, and the run completes', () => {
    const ws = tempDir();
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    const flood = 'for (let i = 0; i < 40000; i++) process.stdout.write("x".repeat(99) + "\\n"); console.log("the last line");';
    const profile = { cli: 'command', command: [process.execPath, '-e', flood], logMaxMb: 1, leaseSeconds: 60 };
    writeFileSync(join(ws, '.steward/config.yaml'), JSON.stringify({ agents: { coder: profile } }));
    assert.equal(cli(['add', 'flood the log'], { cwd: ws }).code, 0);
    const r = cli(['work', '--agent', 'coder', '--once', '--json'], { cwd: ws });
    assert.equal(r.code, 0, r.stderr);
    const run = r.json.runs[0];
    assert.equal(run.status, 'completed', JSON.stringify(run));
    const size = statSync(run.log_path).size;
    assert.ok(size > 1024 * 1024 && size < 1024 * 1024 + LOG_KEPT_TAIL_BYTES + 8_192, `log size ${size}`);
    const text = readFileSync(run.log_path, 'utf8');
    assert.match(text, /the log reached its cap of 1 MiB \(the profile's logMaxMb\)/);
    assert.match(text, /output past the log cap \(1 MiB\): \d+ bytes left out, the last 65536 follow/);
    assert.match(text, /the last line\n/);
  });

  test('config: logMaxMb below 1 is refused at load', () => {
    const ws = tempDir();
    assert.equal(cli(['init'], { cwd: ws }).code, 0);
    writeFileSync(join(ws, '.steward/config.yaml'), JSON.stringify({ agents: { coder: { cli: 'claude', logMaxMb: 0 } } }));
    const r = cli(['list'], { cwd: ws });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /agents\.coder\.logMaxMb: must be >= 1, got 0/);
  });
});
