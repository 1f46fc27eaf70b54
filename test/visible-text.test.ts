// Bidi controls and invisible characters (issue 14): every text output shows them escaped as \u{XXXX};
// JSON keeps the raw string. Real `steward` processes on a real workspace.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { visibleText } from '../src/core/visible-text.js';
import { cli, tempDir } from './support/helpers.js';

/** What must never reach a person's terminal raw. */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2069\ufeff\u{e0000}-\u{e007f}]/u;
const TITLE = 'pay invoice \u202Efdp.exe\u202C \u2066x\u2069';
const SHOWN = 'pay invoice \\u{202E}fdp.exe\\u{202C} \\u{2066}x\\u{2069}';

describe('hidden characters in text output', () => {
  test('visibleText escapes bidi, invisible and control characters, keeps line breaks, tabs, joiners and plain text', () => {
    assert.equal(visibleText(TITLE), SHOWN);
    assert.equal(visibleText('a\u200Bb\uFEFFc\u061Cd\u200Ee\u200Ff\u2060g\u{E0041}h'), 'a\\u{200B}b\\u{FEFF}c\\u{061C}d\\u{200E}e\\u{200F}f\\u{2060}g\\u{E0041}h');
    assert.equal(visibleText('ESC\u001b[2Jred\u0007'), 'ESC\\u{001B}[2Jred\\u{0007}');
    assert.equal(visibleText('line 1\r\nline 2\n\tindented'), 'line 1\r\nline 2\n\tindented');
    assert.equal(visibleText('a\rb'), 'a\\u{000D}b');
    assert.equal(visibleText('two\nlines\t', { oneLine: true }), 'two\\u{000A}lines\\u{0009}');
    assert.equal(visibleText('👨\u200D👩\u200D👧 می\u200Cخواهم ünï'), '👨\u200D👩\u200D👧 می\u200Cخواهم ünï');
    assert.equal(visibleText(visibleText(TITLE)), visibleText(TITLE), 'escaping twice changes nothing');
  });

  test('add, list, show, propose, inbox, tick and status print them escaped; --json keeps the raw string', () => {
    const dir = tempDir();
    assert.equal(cli(['init'], { cwd: dir }).code, 0);
    const goal = `step one \u202Eeno pets\u202C\nstep two \u001b[31mred\u001b[0m`;
    const added = cli(['add', TITLE, '--goal', goal, '--json'], { cwd: dir });
    assert.equal(added.code, 0, added.stderr);
    const id = String(added.json.task?.id ?? added.json.id);
    const outputs: Record<string, string> = {};
    for (const args of [['list'], ['show', id], ['status']]) {
      const r = cli(args, { cwd: dir });
      assert.equal(r.code, 0, r.stderr);
      outputs[args[0]!] = r.stdout;
    }
    assert.ok(outputs.list!.includes(SHOWN), outputs.list);
    assert.ok(outputs.show!.includes(SHOWN), outputs.show);
    assert.ok(outputs.show!.includes('step one \\u{202E}eno pets\\u{202C}'), outputs.show);
    assert.ok(outputs.show!.includes('\\u{001B}[31mred'), outputs.show);
    const proposed = cli(['propose', `proposal ${TITLE}`], { cwd: dir });
    assert.equal(proposed.code, 0, proposed.stderr);
    outputs.propose = proposed.stdout;
    outputs.inbox = cli(['inbox'], { cwd: dir }).stdout;
    outputs.tick = cli(['tick'], { cwd: dir }).stdout;
    assert.ok(outputs.inbox.includes(`proposal ${SHOWN}`), outputs.inbox);
    assert.ok(outputs.tick.includes(`proposal ${SHOWN}`), outputs.tick);
    for (const [name, out] of Object.entries(outputs)) assert.equal(HIDDEN.test(out), false, `${name} printed a hidden character raw: ${JSON.stringify(out)}`);
    // An error message that quotes a title is escaped too.
    const bad = cli(['edit', id, '--priority', `x\u202Ey`], { cwd: dir });
    assert.notEqual(bad.code, 0);
    assert.equal(HIDDEN.test(bad.stderr), false, bad.stderr);
    // JSON is unambiguous: the raw strings.
    const shown = cli(['show', id, '--json'], { cwd: dir });
    assert.equal(shown.json.task?.title ?? shown.json.title, TITLE);
    assert.equal(shown.json.task?.goal ?? shown.json.goal, goal);
    const listed = cli(['list', '--json'], { cwd: dir });
    assert.ok(JSON.stringify(listed.json).includes('\\u202e') || listed.stdout.includes('\u202E'), listed.stdout);
  });
});
