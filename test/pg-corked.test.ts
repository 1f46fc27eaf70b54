// The bridge worker's socket writes (src/store/pg/corked.ts): a batch of statements leaves in one write, not one system
// call per protocol message. Counted on a real `pg` client in pipeline mode against a real server, never timed.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import pg from 'pg';
import { corked } from '../src/store/pg/corked.js';
import { pgServer } from './support/pg-server.js';

const server = await pgServer();
const skip = 'skip' in server ? server.skip : false;
const url = 'skip' in server ? '' : server.url;
after(() => ('skip' in server ? undefined : server.stop()));

/** Counts the socket's low-level writes (one `_write` or `_writev` per system call Node makes for the stream). */
function countWrites(client: pg.Client): () => number {
  const stream = (client as unknown as { connection: { stream: { _write: (...a: unknown[]) => unknown; _writev?: (...a: unknown[]) => unknown } } }).connection.stream;
  let n = 0;
  const write = stream._write.bind(stream);
  stream._write = (...a: unknown[]) => { n++; return write(...a); };
  if (stream._writev) {
    const writev = stream._writev.bind(stream);
    stream._writev = (...a: unknown[]) => { n++; return writev(...a); };
  }
  return () => n;
}

test('a corked batch of statements goes to the server in one write; uncorked, in one per message', { skip, timeout: 120_000 }, async () => {
  const client = new pg.Client({ connectionString: url, pipeline: true } as pg.ClientConfig);
  await client.connect();
  try {
    const writes = countWrites(client);
    const batch = () => [
      client.query('BEGIN'),
      client.query({ text: 'SELECT $1::int + 1 AS n', values: [1], name: 'corked_plus' }),
      client.query({ text: 'SELECT $1::text AS s', values: ['x'] }),
      client.query('COMMIT'),
    ];
    let before = writes();
    const plain = await Promise.all(batch());
    const uncorkedWrites = writes() - before;
    before = writes();
    const results = await Promise.all(corked(client, batch));
    const corkedWrites = writes() - before;
    assert.equal(corkedWrites, 1, 'the corked batch: one write');
    assert.ok(uncorkedWrites > 1, `uncorked: ${uncorkedWrites} writes`);
    // The same answers either way.
    assert.equal(results[1]!.rows[0].n, 2);
    assert.equal(results[2]!.rows[0].s, 'x');
    assert.deepEqual(results.map((r) => r.command), plain.map((r) => r.command));
  } finally {
    await client.end();
  }
});
