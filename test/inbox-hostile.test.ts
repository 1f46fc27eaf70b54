// Hostile inbox writers (issue 14): folders that are links, hard links, names too long or with line breaks,
// a file a step fails on. Real folders, real symlinks and hard links, a real database, whole ticks.
import assert from 'node:assert/strict';
import {
  existsSync, linkSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { fileIdentity, ingestInbox } from '../src/inbox/ingest-inbox.js';
import { NAME_MAX_BYTES } from '../src/inbox/inbox-names.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { createWorkspaceDirs, workspaceAt } from '../src/workspace/workspace.js';
import { at, tempDir } from './support/helpers.js';

const GOOD = '---\ntitle: Outside file\n---\nbody\n';

function setup(): { root: string; inbox: string; store: Store; outside: string } {
  const root = tempDir();
  const inbox = join(root, '.steward', 'inbox');
  mkdirSync(inbox, { recursive: true });
  const outside = tempDir('steward-outside-');
  return { root, inbox, store: openStore(join(root, '.steward', 'queue.db')), outside };
}

function drop(dir: string, name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  const t = new Date(Date.now() - 10_000);
  utimesSync(path, t, t);
  return path;
}

function tick(root: string, store: Store) {
  const config = configSchema.parse({});
  return tickOnce({ store, ctx: at(Date.now()), config, hooks: buildTickHooks({ workspace: workspaceAt(root), config }) });
}

describe('inbox folders that are links', () => {
  for (const folder of ['new', 'done', 'rejected']) {
    test(`${folder}/ as a symlink to an outside folder: nothing read, moved or written through it; reported once`, () => {
      const { root, inbox, store, outside } = setup();
      drop(outside, 'secret.md', GOOD);
      symlinkSync(outside, join(inbox, folder));
      drop(inbox, 'top.md', GOOD);
      drop(inbox, 'bad.md', '---\ntitle: [broken\n---\n');

      const r = tick(root, store);
      assert.deepEqual(readdirSync(outside), ['secret.md'], 'the outside folder is untouched');
      assert.equal(readFileSync(join(outside, 'secret.md'), 'utf8'), GOOD);
      assert.deepEqual(readdirSync(inbox).sort(), ['bad.md', folder, 'top.md'].sort(), 'no file moved while a folder is a link');
      assert.equal(store.proposals.counts().new ?? 0, 0, 'nothing was read');
      const ingest = r.ingest as { inbox: { refused_folders: Array<{ folder: string; reason: string }> } };
      assert.equal(ingest.inbox.refused_folders[0]!.folder, `${folder}/`);
      assert.match(ingest.inbox.refused_folders[0]!.reason, /symbolic link/);
      const rejected = r.digest.inbox_rejected as Array<{ file: string; reason: string }>;
      assert.equal(rejected.length, 1);
      assert.equal(rejected[0]!.file, `${folder}/`);
      assert.match(rejected[0]!.reason, /inbox refused: .*symbolic link/);

      const again = tick(root, store);
      assert.equal(again.digest.inbox_rejected, undefined, 'reported once, not on every tick');
      assert.deepEqual(readdirSync(outside), ['secret.md']);

      // Fixed: the link replaced by a real folder, the inbox works again.
      rmSync(join(inbox, folder));
      mkdirSync(join(inbox, folder));
      tick(root, store);
      assert.deepEqual(readdirSync(join(inbox, 'done')).length, 1);
      assert.deepEqual(readdirSync(outside), ['secret.md']);
    });
  }

  test('the inbox folder itself as a symlink: the outside files stay where they are', () => {
    const { root, store, outside } = setup();
    const inbox = join(root, '.steward', 'inbox');
    rmSync(inbox, { recursive: true });
    drop(outside, 'a.md', GOOD);
    mkdirSync(join(outside, 'new'));
    drop(join(outside, 'new'), 'b.md', GOOD);
    symlinkSync(outside, inbox);
    const r = tick(root, store);
    assert.deepEqual(readdirSync(outside).sort(), ['a.md', 'new']);
    assert.deepEqual(readdirSync(join(outside, 'new')), ['b.md']);
    assert.equal(store.proposals.counts().new ?? 0, 0);
    assert.equal((r.digest.inbox_rejected as Array<{ file: string }>)[0]!.file, 'inbox/');
  });

  test('a .reason file planted as a symlink is replaced, never written through', () => {
    const { inbox, store, outside } = setup();
    const victim = join(outside, 'victim.txt');
    writeFileSync(victim, 'precious\n');
    const path = drop(inbox, 'bad.md', '---\ntitle: [broken\n---\n');
    const identity = fileIdentity(statSync(path), readFileSync(path));
    mkdirSync(join(inbox, 'rejected'));
    symlinkSync(victim, join(inbox, 'rejected', `bad.${identity.slice(0, 8)}.md.reason`));
    const r = ingestInbox(store, at(Date.now()), inbox);
    assert.equal(r.rejected.length, 1);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.match(readFileSync(join(inbox, 'rejected', `bad.${identity.slice(0, 8)}.md.reason`), 'utf8'), /YAML/);
  });

  test('a hard-linked file is refused unread; the other link keeps its content', () => {
    const { inbox, store, outside } = setup();
    const secret = join(outside, 'secret.md');
    writeFileSync(secret, '---\ntitle: the secret key is 1234\n---\n');
    linkSync(secret, join(inbox, 'linked.md'));
    const t = new Date(Date.now() - 10_000);
    utimesSync(secret, t, t);
    const r = ingestInbox(store, at(Date.now()), inbox);
    assert.equal(r.ingested.length, 0);
    assert.equal(r.rejected.length, 1);
    assert.match(r.rejected[0]!.reason, /hard-linked/);
    assert.equal(store.proposals.counts().new ?? 0, 0, 'its content never became a proposal');
    assert.equal(readFileSync(secret, 'utf8'), '---\ntitle: the secret key is 1234\n---\n');
  });

  test('init creates every inbox folder', () => {
    const root = tempDir();
    createWorkspaceDirs(root);
    for (const sub of ['new', 'done', 'rejected']) assert.ok(statSync(join(root, '.steward', 'inbox', sub)).isDirectory(), sub);
  });
});

describe('inbox file names', () => {
  for (const len of [244, 248, 251]) {
    test(`a ${len}-byte name is ingested (good) or refused (bad) under a shortened name; the tick goes on`, () => {
      const { root, inbox, store } = setup();
      const good = `${'g'.repeat(len - 3)}.md`;
      const bad = `${'b'.repeat(len - 3)}.md`;
      drop(inbox, good, GOOD);
      drop(inbox, bad, '---\ntitle: [broken\n---\n');
      const r = tick(root, store);
      const ingest = (r.ingest as { inbox: { ingested: unknown[]; rejected: unknown[]; failed: unknown[] } }).inbox;
      assert.equal(ingest.ingested.length, 1);
      assert.equal(ingest.rejected.length, 1);
      assert.deepEqual(ingest.failed, []);
      const names = [...readdirSync(join(inbox, 'done')), ...readdirSync(join(inbox, 'rejected'))];
      assert.equal(names.length, 3);
      for (const n of names) assert.ok(Buffer.byteLength(n) <= NAME_MAX_BYTES, n);
      assert.deepEqual(readdirSync(inbox).filter((n) => n.endsWith('.md')), []);
    });
  }

  test('a multi-byte name too long for the target is cut on a character boundary', () => {
    const { inbox, store } = setup();
    const name = `${'é'.repeat(125)}.md`; // 253 bytes
    drop(inbox, name, GOOD);
    const r = ingestInbox(store, at(Date.now()), inbox);
    assert.equal(r.ingested.length, 1);
    const [moved] = readdirSync(join(inbox, 'done'));
    assert.ok(Buffer.byteLength(moved!) <= NAME_MAX_BYTES - '.reason'.length);
    assert.ok(!moved!.includes('\uFFFD'));
  });

  test('a name with a line break is ingested and shown escaped, never ignored forever', () => {
    const { inbox, store } = setup();
    drop(inbox, 'two\nlines.md', GOOD);
    const r = ingestInbox(store, at(Date.now()), inbox);
    assert.equal(r.ingested.length, 1);
    assert.equal(r.ingested[0]!.file, 'two\\u{000A}lines.md');
    assert.deepEqual(readdirSync(join(inbox, 'done')), ['two_lines.p1.md']);
    assert.deepEqual(readdirSync(inbox).filter((n) => n.endsWith('.md')), []);
  });

  test('a file whose move fails is recorded against it once; the other files and the tick go on', () => {
    const { root, inbox, store } = setup();
    drop(inbox, 'a.md', '---\ntitle: first\n---\n');
    drop(inbox, 'b.md', '---\ntitle: second\n---\n');
    // Block a.md's target: done/a.p1.md is a non-empty folder, so the rename fails.
    mkdirSync(join(inbox, 'done', 'a.p1.md'), { recursive: true });
    writeFileSync(join(inbox, 'done', 'a.p1.md', 'x'), 'x');
    const r = tick(root, store);
    const ingest = (r.ingest as { inbox: { ingested: Array<{ file: string }>; failed: Array<{ file: string; reason: string }> } }).inbox;
    assert.deepEqual(ingest.ingested.map((i) => i.file), ['b.md']);
    assert.deepEqual(ingest.failed.map((f) => f.file), ['a.md']);
    assert.equal((r.digest.inbox_rejected as Array<{ file: string }>)[0]!.file, 'a.md');
    assert.ok(existsSync(join(inbox, 'a.md')), 'left in place');
    const again = tick(root, store);
    assert.equal(again.digest.inbox_rejected, undefined, 'reported once');
    rmSync(join(inbox, 'done', 'a.p1.md'), { recursive: true });
    tick(root, store);
    assert.ok(existsSync(join(inbox, 'done', 'a.p1.md')));
    assert.equal(store.proposals.counts().new, 2, 'the retry created nothing twice');
  });
});
