// A ticker process for the schedule tests: runs tickOnce (no tick lock, so only the slot key keeps slots single)
// at each of the given times against one database file, and prints how many tasks its ticks created.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from '../../src/config/schema.js';
import { openStore } from '../../src/store/open-store.js';
import { tickOnce } from '../../src/tick/tick-once.js';

const [dbPath, configJson, start, step, count, syncDir, name] = process.argv.slice(2);
const store = openStore(dbPath!, { busyTimeoutMs: 30_000 });
const config = configSchema.parse(JSON.parse(configJson!));
// Both tickers start ticking only once both are up: they race by construction, whatever the machine's load.
writeFileSync(join(syncDir!, name!), '');
const sleep = new Int32Array(new SharedArrayBuffer(4));
while (readdirSync(syncDir!).length < 2 && !existsSync(join(syncDir!, 'abort'))) Atomics.wait(sleep, 0, 0, 10);
let created = 0;
for (let i = 0; i < Number(count); i++) {
  const now = Number(start) + i * Number(step);
  const out = tickOnce({ store, ctx: { now, actor: name!, random: () => 0.5 }, config });
  created += out.scheduled?.created.length ?? 0;
}
store.close();
process.stdout.write(JSON.stringify({ created }));
