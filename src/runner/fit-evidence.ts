// An outcome's evidence must fit MAX_PAYLOAD_BYTES, or the outcome itself is refused (VALIDATION) and the run is lost.
// Each part is bounded on its own (verify tails, changed files, stderr tail), but together, in the characters JSON
// writes longest (a control character is six bytes), they can pass it: a worktree run that changed many long paths and
// 20 verify commands whose output is escape codes. Then the evidence is cut down, the longest parts first, and says so.
import { clipTail } from '../core/adapters/parse-util.js';
import { MAX_PAYLOAD_BYTES, payloadProblem } from '../core/payload-limits.js';

type Json = Record<string, unknown>;

const clip = (text: unknown, max: number): unknown => (typeof text === 'string' ? clipTail(text, max) : text);

/** The ways to cut, in order: each keeps what names the run's facts (exit codes, commands, branch, counts). */
const CUTS: Array<(e: Json) => void> = [
  (e) => {
    if (Array.isArray(e.verify)) e.verify = (e.verify as Json[]).map((v) => ({ ...v, output_tail: clip(v.output_tail, 200), command: clip(v.command, 200) }));
  },
  (e) => {
    const git = e.git as Json | undefined;
    if (git && Array.isArray(git.files) && git.files.length > 20) e.git = { ...git, files: git.files.slice(0, 20), files_total: git.files.length };
  },
  (e) => {
    for (const key of ['summary', 'stderr_tail', 'cause']) if (key in e) e[key] = clip(e[key], 500);
  },
];

/**
 * Cuts `input.evidence` (in place) until it fits MAX_PAYLOAD_BYTES; the last resort keeps only its scalar fields.
 * Returns what was done (the `evidence_cut` it wrote), or undefined when it fit as it was.
 */
export function fitEvidence(input: Json): string | undefined {
  if (input.evidence === undefined || payloadProblem(input.evidence) === null) return undefined;
  const evidence: Json = { ...(input.evidence as Json) };
  const cut = (kept: Json, note: string): string => {
    input.evidence = { ...kept, evidence_cut: note };
    return note;
  };
  for (const shorten of CUTS) {
    shorten(evidence);
    if (payloadProblem(evidence) === null) return cut(evidence, `over ${MAX_PAYLOAD_BYTES} bytes as JSON: output tails and lists shortened`);
  }
  const scalars = Object.fromEntries(Object.entries(evidence).filter(([, v]) => v === null || typeof v !== 'object').map(([k, v]) => [k, clip(v, 500)]));
  return cut(scalars, `over ${MAX_PAYLOAD_BYTES} bytes as JSON even shortened: only its plain fields are kept`);
}
