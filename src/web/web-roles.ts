// Who may do what on the web board: every token role may look; only triage (a person, or the triage agent) may act.
import type { McpRole } from '../mcp/roles.js';

/** Every action the board offers, each one operation of the ops layer (bulk applies one of them to many). */
export const WEB_ACTIONS = ['approve', 'changes', 'answer', 'cancel', 'requeue', 'priority', 'edit', 'accept', 'reject', 'merge', 'bulk'] as const;
export type WebAction = (typeof WEB_ACTIONS)[number];

/** The roles that may take each action; viewer, planner and worker tokens only look. */
export const ACTION_ROLES: Record<WebAction, readonly McpRole[]> = {
  approve: ['triage'],
  changes: ['triage'],
  answer: ['triage'],
  cancel: ['triage'],
  requeue: ['triage'],
  priority: ['triage'],
  edit: ['triage'],
  accept: ['triage'],
  reject: ['triage'],
  merge: ['triage'],
  bulk: ['triage'],
};

/** True when `role` may take `action`. */
export function mayAct(role: McpRole, action: WebAction): boolean {
  return ACTION_ROLES[action].includes(role);
}

/** True when `name` is one of the board's actions. */
export function isWebAction(name: string): name is WebAction {
  return (WEB_ACTIONS as readonly string[]).includes(name);
}
