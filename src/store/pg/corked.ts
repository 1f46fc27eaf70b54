// The bridge worker's writes (sync-worker.ts): `pg` writes each protocol message to the socket as it goes (Parse, Bind,
// Describe, Execute, Sync per statement), one system call each, and the server reads them one by one.
import type pg from 'pg';

/**
 * Runs `send` — which must write its messages synchronously, as `pg` in pipeline mode submits a query at once — with
 * the client's socket corked, so everything it wrote leaves in one write (a batch of statements in one system call).
 */
export function corked<T>(client: pg.Client, send: () => T): T {
  const stream = (client as unknown as { connection?: { stream?: { cork?: () => void; uncork?: () => void } } }).connection?.stream;
  stream?.cork?.();
  try {
    return send();
  } finally {
    stream?.uncork?.();
  }
}
