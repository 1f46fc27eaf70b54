// A run's closing lines, as the babysitter writes them through RunLog, are what `steward logs --follow` waits for.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { closesRun, deferredLine, finishedLine, lateLine, notLiveLine } from '../src/runner/closing-line.js';
import { RunLog } from '../src/runner/run-log.js';
import { tempDir } from './support/helpers.js';

/** The file a RunLog leaves after some CLI output and then `line`. */
function logWith(line: string | undefined, output = 'the CLI said things\nno newline at the end'): string {
  const path = join(tempDir(), '1-7.log');
  const log = new RunLog(path);
  log.write(output);
  log.line('run 7: completed; merging task/1'); // a line of steward's that closes nothing
  if (line !== undefined) log.line(line);
  log.close();
  return readFileSync(path, 'utf8');
}

test('every closing line the babysitter writes closes its own run, and no other', () => {
  const lines = [
    finishedLine(7, 'completed', undefined, 1, 'done'),
    finishedLine(7, 'failed', 'transient', 1, 'ready'),
    finishedLine(7, 'completed', undefined, 1, 'review'),
    notLiveLine(7),
    notLiveLine(7, 'cancelled by human'),
    lateLine(7, 'expired'),
    deferredLine(7, 'SQLITE_BUSY: database is locked', '/w/.steward/outbox/7.json'),
  ];
  for (const line of lines) {
    const text = logWith(line);
    assert.equal(closesRun(text, 7), true, line);
    assert.equal(closesRun(text, 70), false, `run 70 is not closed by: ${line}`);
    assert.equal(closesRun(text, 17), false, `run 17 is not closed by: ${line}`);
  }
});

test('a log without a closing line, or with one only in the CLI output, does not close the run', () => {
  assert.equal(closesRun(logWith(undefined), 7), false);
  // The CLI (or the model through it) printing the words is not steward's line.
  const forged = `${finishedLine(7, 'completed', undefined, 1, 'done')}\n  === steward x ${notLiveLine(7)}\n`;
  assert.equal(closesRun(logWith(undefined, forged), 7), false);
});
