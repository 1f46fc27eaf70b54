// StewardError: the one error type every layer throws, with a stable string code.

/** Stable error codes, shared by the CLI (exit codes) and MCP (structuredContent.code). */
export const ERROR_CODES = [
  'VALIDATION',
  'USAGE',
  'PARSE_ERROR',
  'CYCLE',
  'NOT_FOUND',
  'NO_WORKSPACE',
  'INVALID_TRANSITION',
  'LEASE_LOST',
  'ALREADY_CLAIMED',
  'CONFLICT',
  'FORBIDDEN',
  'BUSY',
  'UNAVAILABLE',
  /** A file (an export) written by a newer steward than this one. */
  'UNSUPPORTED_VERSION',
  /** Something this caller cannot do by design (a remote worker and a task that needs a git worktree of the server). */
  'UNSUPPORTED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** CLI exit code per error code: 0 ok, 1 internal, 2 usage, 3 not found, 4 conflict, 5 unavailable. */
export const EXIT_CODES: Record<ErrorCode, number> = {
  VALIDATION: 2,
  USAGE: 2,
  PARSE_ERROR: 2,
  CYCLE: 2,
  NOT_FOUND: 3,
  NO_WORKSPACE: 3,
  INVALID_TRANSITION: 4,
  LEASE_LOST: 4,
  ALREADY_CLAIMED: 4,
  CONFLICT: 4,
  FORBIDDEN: 4,
  BUSY: 5,
  UNAVAILABLE: 5,
  UNSUPPORTED_VERSION: 2,
  UNSUPPORTED: 2,
  INTERNAL: 1,
};

/** The error every steward layer throws; `code` is stable, `details` is JSON-safe. */
export class StewardError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'StewardError';
    this.code = code;
    this.details = details;
  }

  /** The JSON shape printed by `--json` and returned by MCP. */
  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Wraps anything thrown into a StewardError (unknown errors become INTERNAL). */
export function toStewardError(err: unknown): StewardError {
  if (err instanceof StewardError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new StewardError('INTERNAL', message, {}, err);
}

/** Exit code for any thrown value. */
export function exitCodeOf(err: unknown): number {
  return EXIT_CODES[toStewardError(err).code];
}
