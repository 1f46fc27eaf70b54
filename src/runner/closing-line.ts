// The last line a babysitter writes to its run's log, and how `steward logs --follow` knows it when it sees it. The
// follower reads on after the run is recorded finished until one of these is in the log: the babysitter writes the
// merge and this line after it recorded the outcome. One module writes and matches them, so a reworded line cannot
// leave the follower waiting out its cap.

/** The line that ends a run whose outcome was recorded: `run N: completed → task #T done`. */
export function finishedLine(runId: number, status: 'completed' | 'failed', kind: string | undefined, taskId: number, taskStatus: string | undefined): string {
  return `run ${runId}: ${status}${kind ? ` (${kind})` : ''} → task #${taskId} ${taskStatus}`;
}

/** The line that ends a run found no longer live: before its CLI started (no `why`), or while it ran. */
export function notLiveLine(runId: number, why?: string): string {
  return why === undefined ? `run ${runId} is no longer live; nothing to do` : `run ${runId} is no longer live (${why}); its CLI was stopped before it finished and nothing is written`;
}

/** The line that ends a run whose outcome came after its lease: kept on the run as a late result. */
export function lateLine(runId: number, reason: string): string {
  return `run ${runId} was no longer live (${reason}); its outcome is kept on the run as a late result`;
}

/** The line that ends a run whose outcome waits in the outbox because the database could not be written. */
export function deferredLine(runId: number, error: string, path: string): string {
  return `run ${runId}: database unavailable (${error}); outcome kept in ${path} for the next tick`;
}

/**
 * True when `logText` (a log's tail: whole lines as RunLog marks them, `=== steward <time> <text>`) holds one of
 * run `runId`'s closing lines above.
 */
export function closesRun(logText: string, runId: number): boolean {
  const closing = new RegExp(`^=== steward \\S+ run ${runId}(: (completed|failed)\\b.* → task #|: database unavailable \\(| (was|is) no longer live\\b)`, 'm');
  return closing.test(logText);
}
