// The pure helpers over a validated config (what its sections mean to the rest of steward). No zod here: the CLI's
// hot commands use them with a cached config (config-cache.ts) without loading the schema.
import { isAbsolute, resolve } from 'node:path';
import { StewardError } from '../core/errors.js';
import type { AccountOf, BackoffPolicy } from '../core/policy.js';
import type { AcceptMode, TriageSource } from './config-constants.js';
import type { Config } from './schema.js';

/** Whether a proposal from `source` is accepted at the next tick or waits for a decision. */
export function acceptPolicy(config: Config, source: TriageSource): AcceptMode {
  return config.triage.sources[source] ?? config.triage.accept;
}

/** The directory a project's agents run in; the workspace root for an unconfigured "default" project. */
export function resolveWorkdir(config: Config, root: string, project: string): string {
  const entry = Object.hasOwn(config.projects, project) ? config.projects[project] : undefined;
  if (entry) return isAbsolute(entry.workdir) ? resolve(entry.workdir) : resolve(root, entry.workdir);
  if (project === 'default') return resolve(root);
  throw new StewardError('NOT_FOUND', `project "${project}" has no workdir: add projects.${project}.workdir to .steward/config.yaml`, {
    project,
  });
}

/** The retry section as the core backoff policy (milliseconds). */
export function backoffPolicyOf(config: Config): BackoffPolicy {
  const r = config.retry;
  return { baseMs: r.baseSeconds * 1000, factor: r.factor, capMs: r.capSeconds * 1000, jitter: r.jitter, rateLimitStrikeAfter: r.rateLimitStrikeAfter, accounts: accountsOf(config) };
}

/** The account of a profile: its `account:`, or its own name. */
export function accountName(config: Config, profile: string): string {
  return config.agents[profile]?.account ?? profile;
}

/** Every profile's account, the profiles sharing it and its fallbacks. */
export function accountsOf(config: Config): Record<string, AccountOf> {
  const out: Record<string, AccountOf> = {};
  const names = Object.keys(config.agents);
  for (const [name, agent] of Object.entries(config.agents)) {
    const account = accountName(config, name);
    out[name] = { account, profiles: names.filter((n) => accountName(config, n) === account), fallback: agent.fallback };
  }
  return out;
}

/**
 * The HTTP guard settings of a config for a server bound to `host`: the extra allowed host names
 * (an explicit, non-wildcard bind address among them) and the limits.
 */
export function httpGuardOf(config: Config, host: string): { allowedHosts: string[]; limits: { headersTimeoutMs: number; requestTimeoutMs: number; idleTimeoutMs: number; maxConnections: number } } {
  const m = config.mcp;
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  return {
    allowedHosts: wildcard ? m.allowedHosts : [...m.allowedHosts, host],
    limits: { headersTimeoutMs: m.headersTimeoutMs, requestTimeoutMs: m.requestTimeoutMs, idleTimeoutMs: m.idleTimeoutMs, maxConnections: m.maxConnections },
  };
}
