// Where a single-process claim+complete drain spends its CPU: a V8 CPU profile grouped by where the time lands.
// Run: npm run build && node dist/bench/profile-drain.js [subject=steward] [tasks=5000]
// A native statement call (better-sqlite3's run/get/all) is reported with its caller: BEGIN and COMMIT are run by
// better-sqlite3's `sqliteTransaction`, steward's own statements by steward's code.
import { Session, type Profiler } from 'node:inspector';
import { SUBJECTS, withSeededQueue } from './workers.js';

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))));
}

type Frame = Profiler.ProfileNode['callFrame'];
const NATIVE = ['run', 'get', 'all', 'iterate'];

/** A profile node's group: a package and function, steward's code, zod, or a V8 pseudo-frame. */
function groupOf(frame: Frame): string {
  const { url, functionName } = frame;
  if (url.includes('node_modules/zod')) return 'zod';
  if (url.includes('node_modules/')) return `${url.split('node_modules/')[1]!.split('/')[0]}: ${functionName || '(anonymous)'}`;
  if (url.includes('/dist/src/')) return 'steward code';
  if (url.startsWith('node:')) return 'node internals';
  if (url === '') return functionName || '(native)';
  return 'other';
}

async function main(): Promise<void> {
  const subject = process.argv[2] ?? 'steward';
  const n = Number(process.argv[3] ?? 5000);
  await withSeededQueue(SUBJECTS[subject]!, n, async (path) => {
    const session = new Session();
    session.connect();
    await post(session, 'Profiler.enable');
    await post(session, 'Profiler.setSamplingInterval', { interval: 200 });
    await post(session, 'Profiler.start');
    const start = performance.now();
    await SUBJECTS[subject]!.drain(path, 'w0', []);
    const wall = performance.now() - start;
    const { profile } = await post<{ profile: Profiler.Profile }>(session, 'Profiler.stop');
    session.disconnect();
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parent = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
    const keyOf = (id: number): string => {
      const frame = byId.get(id)!.callFrame;
      if (frame.url === '' && NATIVE.includes(frame.functionName) && parent.has(id)) {
        return `SQLite, called from ${groupOf(byId.get(parent.get(id)!)!.callFrame)}`;
      }
      return groupOf(frame);
    };
    const self = new Map<string, number>();
    let total = 0;
    profile.samples!.forEach((id, i) => {
      const dt = profile.timeDeltas![i] ?? 0;
      const key = keyOf(id);
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    });
    console.log(`${SUBJECTS[subject]!.name}: ${n} cycles in ${wall.toFixed(0)} ms (node ${process.version}); CPU samples by where they land:`);
    for (const [key, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 10)) {
      console.log(`  ${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
    }
  });
}

await main();
