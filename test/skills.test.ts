// The OpenClaw skill pack: every SKILL.md parses and follows OpenClaw's rules (REFERENCE.md §1).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readFrontMatter } from '../src/files/front-matter.js';
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
    const meta = JSON.parse(metaLine.slice('metadata:'.length)) as { openclaw: { requires: { bins: string[] }; install: Array<Record<string, unknown>> } };
    assert.deepEqual(data.metadata, meta, 'metadata is one-line JSON that YAML reads the same');
    assert.deepEqual(meta.openclaw.requires.bins, ['steward']);
    assert.deepEqual(meta.openclaw.install[0], { id: 'node', kind: 'node', package: 'steward', bins: ['steward'], label: 'Install steward (npm)' });
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

test('steward init --openclaw copies the pack and HEARTBEAT.md once, keeps edits, prints the config to paste', () => {
  const root = tempDir();
  const oc = join(root, 'openclaw-ws');
  const first = cli(['init', '--openclaw', '--workspace', oc, '--json'], { cwd: root });
  assert.equal(first.code, 0, first.stderr);
  const copied = (first.json.openclaw.copied as string[]).map((p) => p.slice(oc.length + 1)).sort();
  assert.deepEqual(copied, ['HEARTBEAT.md', 'skills/steward-planner/SKILL.md', 'skills/steward-triage/SKILL.md', 'skills/steward-worker/SKILL.md']);
  assert.equal(readFileSync(join(oc, 'skills/steward-triage/SKILL.md'), 'utf8'), readFileSync(join(SKILLS, 'steward-triage/SKILL.md'), 'utf8'));
  const edited = `${readFileSync(join(oc, 'HEARTBEAT.md'), 'utf8')}\n- also water the plants\n`;
  writeFileSync(join(oc, 'HEARTBEAT.md'), edited);
  const again = cli(['init', '--openclaw', '--workspace', oc, '--json'], { cwd: root });
  assert.deepEqual(again.json.openclaw.copied, []);
  assert.deepEqual((again.json.openclaw.kept as string[]).map((p) => p.slice(oc.length + 1)), ['HEARTBEAT.md']);
  assert.equal(again.json.openclaw.same.length, 3);
  assert.equal(readFileSync(join(oc, 'HEARTBEAT.md'), 'utf8'), edited, 'a person\'s edit is never overwritten');
  const config = again.json.openclaw.config;
  assert.deepEqual(config.mcp.servers.steward, { command: 'steward', args: ['mcp', '--role', 'triage', '--dir', root] });
  assert.equal(config.agents.defaults.heartbeat.isolatedSession, true);
  assert.match(config.agents.defaults.heartbeat.every, /^\d+m$/);
  assert.equal(cli(['init', '--workspace', oc], { cwd: root }).code, 2, '--workspace needs --openclaw');
});
