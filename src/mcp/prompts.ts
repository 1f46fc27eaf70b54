// The planner's prompt: how to write a proposal that triage accepts and a worker can finish.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/** The guidance text (also the body of the `propose_well` prompt). */
export const PROPOSE_GUIDE = `How to propose work to steward (tool: propose).

One proposal = one outcome that one agent can finish in one run and that someone can check.
Before proposing, \`list\` the queue: a key or an open title seen before is merged as a duplicate.

Fields
- title: imperative, specific, under ~80 characters ("Add retries to the webhook sender", not "Webhooks").
- goal: what done looks like, observable from outside: where (files, modules, URLs), constraints,
  how to check it (commands, tests), what is out of scope. Give the facts the worker lacks; not a step list.
- type: code | research | review | ops. project: the project it belongs to.
- priority: urgent | high | normal (default) | low, or 0-100. Urgent only for something broken now.
- after: ids of tasks that must be done first. key: a stable idempotency key, e.g. "docs:mcp-setup".
- agent: leave out unless only one agent profile can do it. review: true when a person must approve.

When to split
- more than one deliverable, or more than one project or repository;
- parts that can run in parallel, or need different agents or types;
- an open question first: propose the research task, then the code task with after: [its id].
Keep each part meaningful on its own; do not split into steps of one change.

A good goal says: the problem in one sentence; the expected result; the evidence of done
("npm test passes; GET /health returns 200"); links to what to read first.`;

/** Registers `propose_well` on a planner's server. */
export function registerPlannerPrompt(server: McpServer): void {
  server.registerPrompt(
    'propose_well',
    {
      title: 'How to propose well',
      description: 'Fields, when to split, and what a good goal says',
      argsSchema: { topic: z.string().max(2000).optional().describe('the work you are about to propose') },
    },
    ({ topic }) => ({
      messages: [
        {
          role: 'user',
          content: { type: 'text', text: topic ? `${PROPOSE_GUIDE}\n\nNow propose: ${topic}` : PROPOSE_GUIDE },
        },
      ],
    }),
  );
}
