// The OpenClaw skill pack: every SKILL.md parses and follows OpenClaw's rules (REFERENCE.md §1).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readFrontMatter } from '../src/files/front-matter.js';
import { DIGEST_LISTS } from '../src/tick/digest.js';
import { heartbeatText } from '../src/workspace/heartbeat-text.js';
import { REPO_ROOT, cli, tempDir } from './support/helpers.js';

const SKILLS = join(REPO_ROOT, 'skills');
const folders = readdirSync(SKILLS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

test('the pack has the three steward skills', () => {
  assert.deepEqual(folders, ['steward-planner', 'steward-triage', 'steward-worker']);
});

for (const name of folders) {
  test(`${name}/SKILL.md follows the OpenClaw skill rules`, () => {
    const text = readFileSync(join(SKILLS, name, 'SKILL.md'), 'utf8');
    const { data, body } = readFrontMatter(text);
    assert.equal(data.name, name, 'name equals the folder name');
    assert.match(String(data.name), /^[a-z0-9]+(-[a-z0-9]+)*$/, 'name is lowercase-hyphen');
    const description = String(data.description ?? '');
    assert.ok(description.length > 20 && description.length < 160, `description is ${description.length} chars`);
    assert.ok(!description.includes('\n'), 'description is one line');
    assert.match(description, /^Use (on|when)/, 'the description says when to use it');
    const metaLine = text.split('\n').find((l) => l.startsWith('metadata:'));
    assert.ok(metaLine, 'metadata is present');
    const meta = JSON.parse(metaLine.slice('metadata:'.length)) as { openclaw: { requires: { bins: string[] }; install?: unknown } };
    assert.deepEqual(data.metadata, meta, 'metadata is one-line JSON that YAML reads the same');
    assert.deepEqual(meta.openclaw.requires.bins, ['steward']);
    // The npm name "steward" is somebody else's (or nobody's): no install hint may point there.
    assert.equal(meta.openclaw.install, undefined, 'no npm install hint');
    assert.doesNotMatch(text, /npm (i|install) (-g )?steward\b/);
    assert.match(body, /install it from its repository/);
    assert.ok(body.trim().length > 200 && body.length < 4000, `body is ${body.length} chars: short and imperative`);
    for (const other of Object.keys(data)) assert.ok(['name', 'description', 'user-invocable', 'homepage', 'metadata'].includes(other), `unknown key ${other}`);
  });
}

test('the skills only name steward commands that exist', () => {
  const help = new Set(['init', 'add', 'propose', 'list', 'show', 'inbox', 'accept', 'reject', 'claim', 'heartbeat', 'complete', 'fail', 'cancel', 'requeue', 'approve', 'changes', 'answer', 'done', 'tick', 'render', 'mcp', 'work', 'logs', 'doctor', 'stats', 'up']);
  for (const name of folders) {
    const text = readFileSync(join(SKILLS, name, 'SKILL.md'), 'utf8');
    for (const m of text.matchAll(/`steward ([a-z]+)/g)) assert.ok(help.has(m[1]!), `${name} names steward ${m[1]}`);
  }
});

test('steward init --openclaw copies the pack once, keeps edits, writes no HEARTBEAT.md there, prints the config to paste', () => {
  const root = tempDir();
  const oc = join(root, 'openclaw-ws');
  const first = cli(['init', '--openclaw', '--workspace', oc, '--json'], { cwd: root });
  assert.equal(first.code, 0, first.stderr);
  const copied = (first.json.openclaw.copied as string[]).map((p) => p.slice(oc.length + 1)).sort();
  assert.deepEqual(copied, ['skills/steward-planner/SKILL.md', 'skills/steward-triage/SKILL.md', 'skills/steward-worker/SKILL.md']);
  assert.equal(existsSync(join(oc, 'HEARTBEAT.md')), false, 'OpenClaw ≥ 2026.8 never reads it; doctor --lint warns about one');
  assert.equal(readFileSync(join(oc, 'skills/steward-triage/SKILL.md'), 'utf8'), readFileSync(join(SKILLS, 'steward-triage/SKILL.md'), 'utf8'));
  const edited = `${readFileSync(join(oc, 'skills/steward-worker/SKILL.md'), 'utf8')}\n- also water the plants\n`;
  writeFileSync(join(oc, 'skills/steward-worker/SKILL.md'), edited);
  const again = cli(['init', '--openclaw', '--workspace', oc, '--json'], { cwd: root });
  assert.deepEqual(again.json.openclaw.copied, []);
  assert.deepEqual((again.json.openclaw.kept as string[]).map((p) => p.slice(oc.length + 1)), ['skills/steward-worker/SKILL.md']);
  assert.equal(again.json.openclaw.same.length, 2);
  assert.equal(existsSync(join(oc, 'HEARTBEAT.md')), false, 'a second init does not bring it back');
  assert.equal(readFileSync(join(oc, 'skills/steward-worker/SKILL.md'), 'utf8'), edited, "a person's edit is never overwritten");
  const config = again.json.openclaw.config;
  // The MCP server runs this Node with this steward: no PATH lookup, and the native module matches.
  assert.deepEqual(config.mcp.servers.steward, { command: process.execPath, args: [join(REPO_ROOT, 'dist/src/cli/steward.cjs'), 'mcp', '--role', 'triage', '--dir', root] });
  assert.ok(existsSync(config.mcp.servers.steward.args[0]), 'the absolute steward.cjs exists');
  assert.deepEqual(config.tools.subagents.tools.deny, ['steward__*'], 'worker sub-agents get no triage tools');
  const hb = config.agents.defaults.heartbeat;
  assert.equal(hb.isolatedSession, true);
  assert.match(hb.every, /^\d+m$/);
  assert.equal(hb.target, 'none', 'an explicit target: the default owner skips every heartbeat without a route');
  assert.equal(hb.prompt, readFileSync(join(root, 'HEARTBEAT.md'), 'utf8'), 'the prompt is the workspace HEARTBEAT.md');
  assert.ok(hb.prompt.includes(`steward tick --json --dir ${root}`), 'the absolute steward directory');
  const text = cli(['init', '--openclaw', '--workspace', oc], { cwd: root }).stdout;
  assert.match(text, new RegExp(`openclaw cron scratch <jobId> --file ${join(root, 'HEARTBEAT.md')}`));
  assert.match(text, /target/);
  assert.equal(cli(['init', '--workspace', oc], { cwd: root }).code, 2, '--workspace needs --openclaw');
});

test('HEARTBEAT.md has the whole rule set: dispatch, failures, the quiet answers, an absolute workspace', () => {
  const shipped = readFileSync(join(REPO_ROOT, 'HEARTBEAT.md'), 'utf8');
  assert.equal(shipped, heartbeatText(), 'the repository copy is the generated text with a placeholder path');
  const text = heartbeatText('/srv/work');
  for (const list of ['dispatch', 'proposals', 'review', 'blocked', 'failures', 'dead', 'stuck', 'late_results', 'inbox_rejected', 'board']) {
    assert.ok(text.includes(`\`${list}\``), `${list} has a rule`);
  }
  assert.match(text, /steward tick --json --dir \/srv\/work/);
  assert.match(text, /tool_call[^\n]*"id": "sessions_spawn"/);
  assert.match(text, /"reoffered": true[\s\S]{0,120}spawn it\s+again/, 'a re-offered hand-off is spawned again');
  assert.match(text, /NO_REPLY[\s\S]*heartbeat_respond[\s\S]*HEARTBEAT_OK/);
  assert.doesNotMatch(text, /in this workspace/);
});

test('the triage rules name every list a digest can carry, and never a command the state table refuses', () => {
  const triage = readFileSync(join(SKILLS, 'steward-triage', 'SKILL.md'), 'utf8');
  for (const [name, text] of [['HEARTBEAT.md', heartbeatText('/srv/work')], ['steward-triage', triage]] as const) {
    for (const list of DIGEST_LISTS) assert.ok(text.includes(`\`${list}\``), `${name}: the digest list ${list} has a rule`);
    assert.ok(text.includes('`misconfigured`'), `${name}: the stuck signal misconfigured has a rule`);
    // A task blocked by a failed or cancelled dependency carries `reason`, not `question`; answer refuses it.
    assert.match(text, /`reason`[^.]*dependency[^.]*cannot be answered/, `${name}: a dependency-blocked item has a rule`);
    // A dead letter is failed, a terminal state: `cancel` answers INVALID_TRANSITION (only requeue reopens it).
    const dead = text.split('\n').find((l) => l.trimStart().startsWith('- `dead`'));
    assert.ok(dead, `${name} has a dead rule`);
    assert.doesNotMatch(dead, /steward cancel/, `${name}: a failed task cannot be cancelled`);
  }
});

test('the planner skill names only flags `steward propose` takes', () => {
  const root = tempDir();
  assert.equal(cli(['init', '--dir', root], { cwd: root }).code, 0);
  const usage = cli(['propose', '--help'], { cwd: root }).stdout.split('(a proposal takes')[0]!;
  const text = readFileSync(join(SKILLS, 'steward-planner', 'SKILL.md'), 'utf8');
  const flags = new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((m) => m[0]));
  assert.ok(flags.size > 3, 'the skill names flags');
  for (const flag of flags) {
    if (flag === '--json' || flag === '--dir') continue; // every command takes them
    assert.ok(usage.includes(`[${flag}`), `the planner skill names ${flag}, which steward propose does not take`);
  }
});
