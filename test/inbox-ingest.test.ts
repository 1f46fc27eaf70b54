// Inbox files on a real folder and database: ingested, refused, left alone while written — never lost.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configSchema } from '../src/config/schema.js';
import { fileIdentity, ingestInbox, recordInboxProposal } from '../src/inbox/ingest-inbox.js';
import { parseInboxFile } from '../src/inbox/parse-inbox-file.js';
import { openStore, type Store } from '../src/store/open-store.js';
import { tickOnce } from '../src/tick/tick-once.js';
import { buildTickHooks } from '../src/tick/hooks.js';
import { workspaceAt } from '../src/workspace/workspace.js';
import { at, tempDir } from './support/helpers.js';

function setup(): { store: Store; inbox: string; now: number } {
  const root = tempDir();
  const inbox = join(root, 'inbox');
  mkdirSync(inbox);
  return { store: openStore(join(root, 'queue.db')), inbox, now: Date.now() };
}

/** Writes a file whose last change was `ageMs` ago. */
function drop(dir: string, name: string, content: string | Buffer, ageMs = 10_000): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  const t = new Date(Date.now() - ageMs);
  utimesSync(path, t, t);
  return path;
}

function listing(inbox: string): Record<string, string[]> {
  const ls = (d: string) => (existsSync(d) ? readdirSync(d).filter((n) => statSync(join(d, n)).isFile()).sort() : []);
  return { inbox: ls(inbox), done: ls(join(inbox, 'done')), rejected: ls(join(inbox, 'rejected')) };
}

describe('ingestInbox', () => {
  test('every kind of file ends in done/, rejected/ or stays — none lost, nothing deleted', () => {
    const { store, inbox, now } = setup();
    drop(inbox, 'a-good.md', '---\ntitle: Add caching\npriority: high\nkey: cache-1\n---\nCache the parsed config.\n');
    drop(inbox, 'heading.md', '# Title from a heading\n\nbody\n');
    drop(inbox, 'bad-yaml.md', '---\ntitle: [unclosed\n---\n');
    drop(inbox, 'no-title.md', '---\npriority: low\n---\n');
    drop(inbox, 'huge.md', Buffer.alloc(1_048_577, 'a'));
    drop(inbox, 'dup-key.md', '---\ntitle: Something else\nkey: cache-1\n---\n');
    drop(inbox, 'dup-title.md', '---\ntitle: "  add   CACHING "\n---\n');
    drop(inbox, 'fresh.md', '---\ntitle: still being written\n', 0);
    drop(inbox, '.hidden.md', 'x');
    drop(inbox, 'notes.txt', 'x');
    drop(inbox, 'backup.md~', 'x');
    const inputs = listing(inbox).inbox.length;

    const r = ingestInbox(store, at(now), inbox);
    assert.deepEqual(r.ingested.map((i) => [i.file, i.status]), [
      ['a-good.md', 'new'], ['dup-key.md', 'merged'], ['dup-title.md', 'merged'], ['heading.md', 'new'],
    ]);
    assert.deepEqual(r.rejected.map((x) => x.file).sort(), ['bad-yaml.md', 'huge.md', 'no-title.md']);
    assert.deepEqual(r.waiting, ['fresh.md']);
    const after = listing(inbox);
    assert.deepEqual(after.inbox, ['.hidden.md', 'backup.md~', 'fresh.md', 'notes.txt']);
    assert.equal(after.done.length + after.rejected.filter((n) => n.endsWith('.md')).length + after.inbox.length, inputs, 'every input accounted for');
    assert.equal(after.rejected.filter((n) => n.endsWith('.reason')).length, 3, 'a reason beside each refused file');

    const reasons = Object.fromEntries(r.rejected.map((x) => [x.file, readFileSync(join(inbox, x.moved_to + '.reason'), 'utf8')]));
    assert.match(reasons['bad-yaml.md']!, /invalid YAML front matter/);
    assert.match(reasons['no-title.md']!, /missing title/);
    assert.match(reasons['huge.md']!, /too large: 1048577 bytes/);

    const good = r.ingested.find((i) => i.file === 'a-good.md')!;
    assert.equal(good.moved_to, `done/a-good.p${good.proposal_id}.md`, 'the proposal id is in the done name');
    const p = store.proposals.get(good.proposal_id)!;
    assert.deepEqual([p.source, p.created_by, p.priority, p.goal], ['file', 'inbox:a-good.md', 30, 'Cache the parsed config.']);
    const dupKey = store.proposals.get(r.ingested.find((i) => i.file === 'dup-key.md')!.proposal_id)!;
    const dupTitle = store.proposals.get(r.ingested.find((i) => i.file === 'dup-title.md')!.proposal_id)!;
    assert.deepEqual([dupKey.merged_into, dupKey.reason], [p.id, 'duplicate key cache-1']);
    assert.deepEqual([dupTitle.merged_into, dupTitle.reason], [p.id, 'duplicate title']);
    const events = store.events.since(0, 100, ['inbox_rejected']);
    assert.deepEqual(events.map((e) => (e.data as { file: string }).file).sort(), ['bad-yaml.md', 'huge.md', 'no-title.md']);
    assert.deepEqual(ingestInbox(store, at(now), inbox), { ingested: [], rejected: [], waiting: ['fresh.md'], failed: [] }, 'a second pass does nothing');
  });

  test('a file still being written is read once it has settled for a second', () => {
    const { store, inbox, now } = setup();
    const path = drop(inbox, 'slow.md', '---\ntitle: slow\n---\n', 0);
    assert.deepEqual(ingestInbox(store, at(now), inbox).waiting, ['slow.md']);
    // The clock is whole ms, as the store's timestamps are (a fractional one is no column's value on Postgres's bigint):
    // ceil(mtime) + 999 is still under a second after the fractional mtime, ceil(mtime) + 1000 at least a second.
    const mtime = Math.ceil(statSync(path).mtimeMs);
    assert.equal(ingestInbox(store, at(mtime + 999), inbox).ingested.length, 0);
    assert.equal(ingestInbox(store, at(mtime + 1000), inbox).ingested.length, 1);
  });

  test('files renamed into new/ are complete: read at once, whatever their mtime', () => {
    const { store, inbox, now } = setup();
    mkdirSync(join(inbox, 'new'));
    drop(join(inbox, 'new'), 'fast.md', '---\ntitle: via rename\n---\n', 0);
    const r = ingestInbox(store, at(now), inbox);
    assert.deepEqual(r.ingested.map((i) => [i.file, i.moved_to.startsWith('done/fast.p')]), [['new/fast.md', true]]);
  });

  test('a crash between the insert and the rename: the retry creates no second proposal', () => {
    const { store, inbox, now } = setup();
    const path = drop(inbox, 'once.md', '---\ntitle: exactly once\nkey: k1\n---\n');
    const content = readFileSync(path);
    const parsed = parseInboxFile('once.md', content);
    assert.ok(parsed.ok);
    // The first tick recorded the proposal, then died before moving the file.
    const first = recordInboxProposal(store, at(now), fileIdentity(statSync(path), content), 'once.md', parsed.proposal);
    assert.equal(first.again, false);
    const r = ingestInbox(store, at(now + 1), inbox);
    assert.deepEqual(r.ingested.map((i) => i.proposal_id), [first.proposal.id]);
    assert.equal((store.db.prepare('SELECT COUNT(*) AS n FROM proposals').get() as { n: number }).n, 1);
    assert.deepEqual(listing(inbox).done, [`once.p${first.proposal.id}.md`]);
  });

  test('the same content dropped again later is a new file: a new proposal, merged as a duplicate', () => {
    const { store, inbox, now } = setup();
    drop(inbox, 'again.md', '---\ntitle: same\n---\n');
    const one = ingestInbox(store, at(now), inbox).ingested[0]!;
    drop(inbox, 'again.md', '---\ntitle: same\n---\n');
    const two = ingestInbox(store, at(now), inbox).ingested[0]!;
    assert.notEqual(two.proposal_id, one.proposal_id);
    assert.equal(store.proposals.get(two.proposal_id)!.merged_into, one.proposal_id);
    assert.equal(listing(inbox).done.length, 2, 'both files kept');
  });

  test('a symlink is refused without being followed; a refused name never overwrites an earlier one', () => {
    const { store, inbox, now } = setup();
    const outside = join(tempDir(), 'secret.md');
    writeFileSync(outside, '---\ntitle: secret\n---\n');
    symlinkSync(outside, join(inbox, 'link.md'));
    const r = ingestInbox(store, at(now), inbox);
    assert.match(r.rejected[0]!.reason, /not a regular file/);
    drop(inbox, 'bad.md', '---\nnope: 1\n---\n');
    ingestInbox(store, at(now), inbox);
    drop(inbox, 'bad.md', '---\nnope: 2\n---\n');
    ingestInbox(store, at(now), inbox);
    assert.equal(listing(inbox).rejected.filter((n) => n.startsWith('bad.') && n.endsWith('.md')).length, 2);
    assert.equal(readFileSync(outside, 'utf8'), '---\ntitle: secret\n---\n');
  });

  test('through the tick: file proposals follow the `file` policy (auto here), and the digest counts them', () => {
    const root = tempDir();
    const ws = workspaceAt(root);
    mkdirSync(ws.inboxDir, { recursive: true });
    const store = openStore(ws.dbPath);
    drop(ws.inboxDir, 'a.md', '---\ntitle: from a file\n---\n');
    drop(ws.inboxDir, 'b.md', '---\ntitle: From A File\n---\n');
    drop(ws.inboxDir, 'c.md', 'no title here');
    const config = configSchema.parse({ triage: { sources: { file: 'auto' } } });
    const r = tickOnce({ store, ctx: at(Date.now()), config, hooks: buildTickHooks({ workspace: ws, config }) });
    assert.equal(r.accepted.length, 1, 'the duplicate title was merged, not accepted twice');
    assert.deepEqual(r.digest.acted, { ingested: 2, rejected_files: 1, accepted: 1 });
    assert.deepEqual(r.digest.inbox_rejected!.map((x) => x.file), ['c.md']);
    assert.equal(store.tasks.get(r.accepted[0]!.task_id)!.source, 'file');
  });
});
