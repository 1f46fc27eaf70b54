// A proposal never carries anything that executes: no `verify`, no `then[].verify` (agent args/env are no
// task field at all). Only a person (`steward add`) or the decider of a proposal (accept's `verify`) sets them.
import { StewardError } from '../core/errors.js';
import type { ThenTemplate } from '../core/types.js';

/** Where a proposal's fields hold commands: `verify`, `then[0].verify`, `then[0].then[1].verify`… */
export function commandPaths(fields: { verify?: string[] | null; then?: ThenTemplate[] | null }): string[] {
  const out: string[] = [];
  if (fields.verify && fields.verify.length > 0) out.push('verify');
  const walk = (list: ThenTemplate[] | undefined | null, at: string, depth: number) => {
    if (!Array.isArray(list) || depth > 50) return;
    list.forEach((t, i) => {
      const here = `${at}[${i}]`;
      if (t?.verify && t.verify.length > 0) out.push(`${here}.verify`);
      walk(t?.then, `${here}.then`, depth + 1);
    });
  };
  walk(fields.then, 'then', 0);
  return out;
}

/** VALIDATION when a proposal carries commands: it is refused whole, with the fields named. */
export function refuseProposalCommands(fields: { verify?: string[] | null; then?: ThenTemplate[] | null }): void {
  const paths = commandPaths(fields);
  if (paths.length === 0) return;
  throw new StewardError(
    'VALIDATION',
    `invalid proposal: ${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ` and ${paths.length - 10} more` : ''}: a proposal cannot carry commands to run; ` +
      'only a person (steward add) or the one who accepts it (steward accept --verify, MCP decide with verify) may set verify',
    { fields: paths },
  );
}

/** The follow-up templates without any verify (for proposals stored before the rule). */
export function withoutVerify(list: ThenTemplate[]): ThenTemplate[] {
  return list.map(({ verify: _verify, then, ...rest }) => ({ ...rest, ...(then ? { then: withoutVerify(then) } : {}) }));
}
