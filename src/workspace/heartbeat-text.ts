// The triage checklist for an LLM heartbeat (DESIGN §8): HEARTBEAT.md, and OpenClaw's heartbeat prompt.

/** What the repository's HEARTBEAT.md shows where `steward init` writes the workspace's absolute path. */
export const HEARTBEAT_PLACEHOLDER_DIR = '/path/to/steward-workspace';

/**
 * The full rule set for one triage heartbeat in the steward workspace `root` (an absolute path: the
 * heartbeat runs in the OpenClaw workspace, where `steward` alone finds no steward workspace).
 */
export function heartbeatText(root: string = HEARTBEAT_PLACEHOLDER_DIR): string {
  return `# Heartbeat: steward triage

The steward workspace is \`${root}\`. Run every \`steward\` command below there: give exec
\`workdir: "${root}"\` or add \`--dir ${root}\`.

On every heartbeat:

1. Run \`steward tick --json --dir ${root}\`. It prints one JSON object: the digest.
2. If it has \`"quiet": true\`, reply exactly \`NO_REPLY\` (or call \`heartbeat_respond\` with
   \`notify: false\`; gateways older than 2026.8 expect \`HEARTBEAT_OK\`) and stop. Read nothing else.
3. Otherwise act on each list once; an item appears in one digest only (but see \`reoffered\`):
   - \`dispatch\`: for each item call \`tool_call\` with \`{"id": "sessions_spawn", "args": ITEM.sessions_spawn}\`
     (the item's \`sessions_spawn\` object exactly as given; call \`sessions_spawn\` directly if it is in your
     tool list). Do not wait for the child and do not relay its announce: steward records the result.
     An item with \`"reoffered": true\` was offered before and no worker has started it yet: spawn it
     again (harmless if the first spawn starts too: a run never runs twice).
   - \`proposals\`: \`steward accept ID\` (add --priority, --agent, --project to correct it) or
     \`steward reject ID --reason TEXT\` (say how to re-propose a vague idea).
   - \`review\`: read \`steward show ID\`, then \`steward approve ID\` or \`steward changes ID --feedback TEXT\`.
   - \`blocked\` with a question: \`steward answer ID TEXT\` when the task, the project or earlier results
     hold the answer; otherwise ask a person, quoting the question and the id. \`blocked\` with a \`reason\`
     instead (a dependency failed or was cancelled) cannot be answered: tell a person.
   - \`failures\`: they retry on their own; \`steward cancel ID\` only when the error shows another try
     cannot help.
   - \`dead\`: \`steward requeue ID\` when another try can help, else leave it failed (a failed task cannot be
     cancelled); tell a person.
   - \`stuck\`: \`no_agent\` — tell a person which agent profile to add; \`silent\` runs are reaped on their
     own; \`repeated_failures\` — read \`steward logs ID\` and tell a person; \`misconfigured\` — the
     profile's CLI refuses to start (its \`error\` says why): tell a person.
   - \`budgets\`, \`overlaps\`, \`late_results\`, \`inbox_rejected\`, \`outbox_rejected\`, \`board\`, \`setup\`,
     \`tick_errors\`: tell a person in one short message.
4. Reply with one short line per decision. Never edit \`.steward/\` files or the database by hand.
   What still waits: \`steward inbox\`, \`steward list --status review,blocked\`.
`;
}
