// Stuck signals (pure): ready work no agent profile can take, runs gone quiet, tasks that keep failing.
import type { ReadyGroup, StruckTask } from '../store/report-repo.js';

/** The parts of an agent profile that decide which tasks it may take. */
export interface ProfileFit {
  types: readonly string[];
  capabilities: readonly string[];
}

/** One stuck signal; `key` identifies it across digests (it is reported once). */
export type StuckSignal =
  | { key: string; signal: 'no_agent'; count: number; first: number; agent: string; type: string; requires?: string[]; why: string }
  | { key: string; signal: 'silent'; id: number; run: number; agent: string; seconds: number }
  | { key: string; signal: 'repeated_failures'; id: number; title: string; attempts: number; max_attempts: number }
  | { key: string; signal: 'misconfigured'; agent: string; since: string; error: string };

/** Strikes from which a task still in the queue is reported as failing repeatedly. */
export const REPEATED_STRIKES = 2;

/** Whether profile `name` may take tasks of this group (agent, type, required capabilities). */
export function profileFits(name: string, profile: ProfileFit, group: Pick<ReadyGroup, 'agent' | 'type' | 'requires'>): boolean {
  if (group.agent !== 'any' && group.agent !== name) return false;
  if (!profile.types.includes(group.type)) return false;
  return group.requires.every((cap) => profile.capabilities.includes(cap));
}

/** Why no profile takes a group, in words; undefined when one does. */
export function whyNoAgent(profiles: Record<string, ProfileFit>, group: ReadyGroup): string | undefined {
  const names = Object.keys(profiles);
  if (names.some((n) => profileFits(n, profiles[n]!, group))) return undefined;
  if (names.length === 0) return 'no agent profiles are configured (agents: in .steward/config.yaml)';
  if (group.agent !== 'any' && !Object.hasOwn(profiles, group.agent)) return `no agent profile named ${group.agent}`;
  const candidates = group.agent === 'any' ? names : [group.agent];
  const typed = candidates.filter((n) => profiles[n]!.types.includes(group.type));
  if (typed.length === 0) return `no profile${group.agent === 'any' ? '' : ` ${group.agent}`} takes type ${group.type}`;
  return `no profile taking type ${group.type} has capabilities ${group.requires.join(', ')}`;
}

/** Ready groups no profile can take (only checked when steward dispatches to its own profiles). */
export function noAgentSignals(profiles: Record<string, ProfileFit>, groups: ReadyGroup[]): StuckSignal[] {
  const out: StuckSignal[] = [];
  for (const g of groups) {
    const why = whyNoAgent(profiles, g);
    if (!why) continue;
    const requires = g.requires.length ? { requires: g.requires } : {};
    const key = `a:${g.agent}|${g.type}|${[...g.requires].sort().join(',')}`;
    out.push({ key, signal: 'no_agent', count: g.count, first: g.first, agent: g.agent, type: g.type, ...requires, why });
  }
  return out;
}

/** A live run, as far as the silence check needs it. */
export interface LiveRun {
  id: number;
  task_id: number;
  agent: string;
  heartbeat_at: number;
  lease_ms: number;
}

/** Runs without a heartbeat for more than half their lease (the babysitter beats every third of it). */
export function silentSignals(runs: LiveRun[], now: number): StuckSignal[] {
  return runs
    .filter((r) => now - r.heartbeat_at > r.lease_ms / 2)
    .map((r) => ({
      key: `s:${r.id}`,
      signal: 'silent' as const,
      id: r.task_id,
      run: r.id,
      agent: r.agent,
      seconds: Math.round((now - r.heartbeat_at) / 1000),
    }));
}

/** Tasks still in the queue with REPEATED_STRIKES or more strikes; reported again at each further strike. */
export function repeatedFailureSignals(struck: StruckTask[]): StuckSignal[] {
  return struck
    .filter((t) => t.attempts >= REPEATED_STRIKES)
    .map((t) => ({
      key: `f:${t.id}:${t.attempts}`,
      signal: 'repeated_failures' as const,
      id: t.id,
      title: t.title,
      attempts: t.attempts,
      max_attempts: t.max_attempts,
    }));
}

/** Agent profiles whose CLI refused to start (a usage or configuration error): reported once per failure. */
export function misconfiguredSignals(flagged: Array<{ name: string; error: string; at: number }>): StuckSignal[] {
  return flagged.map((f) => ({
    key: `m:${f.name}:${f.at}`,
    signal: 'misconfigured' as const,
    agent: f.name,
    since: new Date(f.at).toISOString(),
    error: f.error.length > 300 ? `${f.error.slice(0, 299)}…` : f.error,
  }));
}
