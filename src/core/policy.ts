// Scheduling policy: failure kinds, retry backoff, priority words and order.

/** What a finished run may report as the reason it failed. */
export const FAILURE_KINDS = ['transient', 'rate_limit', 'stalled', 'timeout', 'lost', 'needs_input', 'fatal', 'budget'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** Kinds that count as a strike against max_attempts. */
export const STRIKE_KINDS: readonly FailureKind[] = ['transient', 'stalled', 'timeout', 'lost'];

/** Priority words and their numbers (0 = most urgent … 100). */
export const PRIORITY_WORDS = { urgent: 10, high: 30, normal: 50, low: 80 } as const;
export const DEFAULT_PRIORITY = 50;
export const DEFAULT_MAX_ATTEMPTS = 3;

/** Backoff settings: delay = min(cap, base * factor^(strikes-1)), then jitter. */
export interface BackoffPolicy {
  baseMs: number;
  factor: number;
  capMs: number;
  /** 0 = no jitter; 0.5 = delay drawn uniformly from [50%, 100%] of the computed delay. */
  jitter: number;
  /** Every this many rate limits in a row, the task takes a strike (0 = never): a pause is bounded. */
  rateLimitStrikeAfter?: number;
  /**
   * Profile → its account (profiles that share a quota): a rate limit pauses every profile of the account, and a
   * profile with `fallback` profiles retries at once (a fallback takes the task instead of it waiting).
   */
  accounts?: Record<string, AccountOf>;
}

/** The account a profile draws its quota from, the profiles sharing it (itself included) and its fallbacks. */
export interface AccountOf {
  account: string;
  profiles: string[];
  fallback: string[];
}

/** Rate limits in a row after which a task takes a strike (config retry.rateLimitStrikeAfter). */
export const DEFAULT_RATE_LIMIT_STRIKE_AFTER = 5;

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseMs: 10_000, factor: 2, capMs: 3_600_000, jitter: 0.5, rateLimitStrikeAfter: DEFAULT_RATE_LIMIT_STRIKE_AFTER,
};

/** Milliseconds to wait before the attempt after `strikes` failures; `random` in [0,1). */
export function backoffDelay(strikes: number, random: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const n = Math.max(1, strikes);
  const raw = Math.min(policy.capMs, policy.baseMs * policy.factor ** (n - 1));
  const low = raw * (1 - policy.jitter);
  return Math.round(low + (raw - low) * Math.min(Math.max(random, 0), 1));
}

/** What a failure of `kind` does to a task that has had `strikes` strikes before this run. */
export type FailureDecision =
  | { to: 'ready'; strike: boolean; delayMs: number; pauseAgentUntil?: number }
  | { to: 'blocked'; strike: false }
  | { to: 'failed'; strike: boolean };

export interface FailureInput {
  kind: FailureKind;
  strikesBefore: number;
  maxAttempts: number;
  random: number;
  now: number;
  /** Seconds until the provider's limit resets (rate_limit only). */
  retryAfterSeconds?: number;
  /** rate_limit only: the task's rate-limited runs in a row, this one included. */
  rateLimitsInARow?: number;
  backoff?: BackoffPolicy;
}

/** Decides the next state after a failed run (the retry policy in one place). */
export function decideFailure(input: FailureInput): FailureDecision {
  const { kind } = input;
  if (kind === 'fatal') return { to: 'failed', strike: true };
  // Over a run budget: no blind retry (it would spend the same again) — a person raises the cap or rewrites the task.
  if (kind === 'needs_input' || kind === 'budget') return { to: 'blocked', strike: false };
  if (kind === 'rate_limit') {
    const wait = Math.max(1, input.retryAfterSeconds ?? 60) * 1000;
    // A pause is no strike, but every N-th one in a row is: a limit that never lifts ends in failed.
    const every = input.backoff?.rateLimitStrikeAfter ?? DEFAULT_RATE_LIMIT_STRIKE_AFTER;
    const strike = every > 0 && (input.rateLimitsInARow ?? 1) % every === 0;
    if (strike && input.strikesBefore + 1 >= input.maxAttempts) return { to: 'failed', strike: true };
    return { to: 'ready', strike, delayMs: wait, pauseAgentUntil: input.now + wait };
  }
  const strikes = input.strikesBefore + 1;
  if (strikes >= input.maxAttempts) return { to: 'failed', strike: true };
  return { to: 'ready', strike: true, delayMs: backoffDelay(strikes, input.random, input.backoff) };
}

/** Parses a priority given as a number or a word; undefined when it is neither. */
export function parsePriority(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100) return value;
  if (typeof value !== 'string') return undefined;
  const word = value.trim().toLowerCase();
  if (word in PRIORITY_WORDS) return PRIORITY_WORDS[word as keyof typeof PRIORITY_WORDS];
  if (/^\d{1,3}$/.test(word)) return parsePriority(Number(word));
  return undefined;
}

/** The word for a priority number, for people (10 → urgent, 35 → high). */
export function priorityWord(priority: number): string {
  if (priority <= PRIORITY_WORDS.urgent) return 'urgent';
  if (priority <= PRIORITY_WORDS.high) return 'high';
  if (priority < PRIORITY_WORDS.low) return 'normal';
  return 'low';
}

/** Claim order: lower priority number first, then older, then lower id. */
export function compareForClaim(
  a: { priority: number; created_at: number; id: number },
  b: { priority: number; created_at: number; id: number },
): number {
  return a.priority - b.priority || a.created_at - b.created_at || a.id - b.id;
}
