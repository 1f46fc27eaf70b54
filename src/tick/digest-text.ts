// The digest as text for people and LLM heartbeats: one line when quiet, one line per item otherwise.
import { DIGEST_LISTS, type Digest, type DigestList } from './digest.js';
import type { TickSkipped } from './run-tick.js';

type Item = Record<string, any>;

const NOUNS: Record<DigestList, [string, string]> = {
  proposals: ['proposal', 'proposals'],
  review: ['review', 'reviews'],
  blocked: ['blocked task', 'blocked tasks'],
  failures: ['failure', 'failures'],
  dead: ['dead letter', 'dead letters'],
  stuck: ['stuck signal', 'stuck signals'],
  budgets: ['budget at its cap', 'budgets at their cap'],
  late_results: ['late result', 'late results'],
  inbox_rejected: ['rejected inbox file', 'rejected inbox files'],
  outbox_rejected: ['rejected run outcome', 'rejected run outcomes'],
  overlaps: ['overlapping branch', 'overlapping branches'],
  board: ['unreadable TASKS.md line', 'unreadable TASKS.md lines'],
  setup: ['setup problem', 'setup problems'],
  tick_errors: ['failed tick step', 'failed tick steps'],
};

function count(n: number, list: DigestList): string {
  return `${n} ${NOUNS[list][n === 1 ? 0 : 1]}`;
}

function stuckLine(s: Item): string {
  if (s.signal === 'no_agent') {
    const what = `${s.count} ready task${s.count === 1 ? '' : 's'} like #${s.first} (type ${s.type}${s.agent !== 'any' ? `, agent ${s.agent}` : ''}${s.requires ? `, requires ${s.requires.join(',')}` : ''})`;
    return `stuck: ${what}: ${s.why}`;
  }
  if (s.signal === 'misconfigured') return `stuck: agent profile ${s.agent} cannot start its CLI (since ${s.since}; fix .steward/config.yaml, see steward doctor): ${s.error}`;
  if (s.signal === 'silent') return `stuck: #${s.id} run ${s.run} (${s.agent}) has not heartbeaten for ${s.seconds} s`;
  return `stuck: #${s.id} ${s.title} has failed ${s.attempts} of ${s.max_attempts} attempts`;
}

const LINE: Record<DigestList, (i: Item) => string> = {
  proposals: (p) => `proposal ${p.id} [${p.source}${p.project ? ` ${p.project}` : ''}] ${p.title} — steward accept ${p.id} | steward reject ${p.id} --reason TEXT${p.note ? ` (${p.note})` : ''}`,
  review: (t) => `review #${t.id} ${t.title}${t.result ? `: ${t.result}` : ''} — steward approve ${t.id} | steward changes ${t.id} --feedback TEXT`,
  blocked: (t) => (t.question ? `blocked #${t.id} ${t.title} asks: ${t.question} — steward answer ${t.id} TEXT` : `blocked #${t.id} ${t.title}: ${t.reason}`),
  failures: (f) => `failed #${f.id} ${f.title} (${f.kind}, strike ${f.attempts}${f.max_attempts ? `/${f.max_attempts}` : ''}, will retry): ${f.error}`,
  dead: (f) => `dead #${f.id} ${f.title} (${f.kind}): ${f.error} — steward requeue ${f.id} | steward archive ${f.id}`, // failed is terminal: cancel refuses it
  stuck: stuckLine,
  budgets: (b) => `budget: ${b.scope} reached its ${b.period} ${b.cap} (${b.used}); no run starts in it until ${b.resumes_at}`,
  late_results: (l) => `late result: #${l.id} run ${l.run} reported after it stopped being live (${l.reason}); kept on the run`,
  inbox_rejected: (r) => `inbox file ${r.file} refused: ${r.reason}${r.moved_to ? ` (kept as .steward/inbox/${r.moved_to})` : ''}`,
  outbox_rejected: (r) => `run outcome ${r.run !== undefined ? `of #${r.id} run ${r.run} ` : ''}not applied: ${r.reason} (kept as .steward/outbox/${r.moved_to})`,
  overlaps: (o) => `overlap: the branch of #${o.id} ${o.title} changes ${o.files.join(', ')} — also changed on the branch of ${(o.with as number[]).map((n) => `#${n}`).join(', ')} (a merge may conflict)`,
  board: (b) => `TASKS.md line ${b.line} not read: ${b.text}${b.reason ? ` (${b.reason})` : ''}`,
  setup: (p) => `setup: ${p.problem}${p.fix ? ` — to fix: ${p.fix}` : ''}`,
  tick_errors: (e) => `tick step ${e.step} failed (the tick went on; tried again next tick): ${e.error}`,
};

/** The state counts as `ready 2 · done 5` (and the inbox when proposals wait, and paused profiles). */
export function countsText(d: Pick<Digest, 'counts' | 'inbox' | 'paused'>): string {
  const parts = Object.entries(d.counts).map(([s, n]) => `${s} ${n}`);
  if (d.inbox) parts.unshift(`inbox ${d.inbox}`);
  const paused = (d.paused ?? []).map((p) => `paused ${p.agent} until ${p.until}`);
  return [...(parts.length ? parts : ['no tasks']), ...paused].join(' · ');
}

/** The digest as text: `quiet · …` on one line, or a summary line then one line per item. */
export function digestText(d: Digest | TickSkipped): string {
  if ('skipped' in d) return `quiet · skipped: another tick is running (${d.holder}, lock until ${d.until})`;
  const acted = d.acted ? ` · did: ${Object.entries(d.acted).map(([k, n]) => `${k} ${n}`).join(', ')}` : '';
  if (d.quiet) return `quiet · ${countsText(d)}${acted}`;
  const present = DIGEST_LISTS.filter((l) => d[l]?.length);
  const spawn = d.dispatch?.length ? [`${d.dispatch.length} run${d.dispatch.length === 1 ? '' : 's'} to spawn`] : [];
  const head = `needs a judgement: ${[...present.map((l) => count(d[l]!.length + (d.more?.[l] ?? 0), l)), ...spawn].join(', ')} · ${countsText(d)}${acted}`;
  const lines = [head];
  for (const l of present) {
    for (const item of d[l]!) lines.push(LINE[l](item));
    const more = d.more?.[l];
    if (more) lines.push(`(+${count(more, l)} not shown)`);
  }
  for (const p of d.paused ?? []) lines.push(`paused: agent ${p.agent} takes no task until ${p.until} (no strike): ${p.reason}`);
  for (const h of (d.dispatch ?? []) as Array<{ run: number; task_id: number; profile: string; reoffered?: boolean }>) {
    const again = h.reoffered ? ' again (offered before, not started yet)' : '';
    lines.push(`spawn run ${h.run} for #${h.task_id} (${h.profile})${again}: tool_call {"id": "sessions_spawn", "args": its sessions_spawn} (the args are in --json)`);
  }
  return lines.join('\n');
}
