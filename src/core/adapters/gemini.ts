// Gemini CLI: `gemini -p PROMPT -o json`, `{session_id, response, stats}`; errors as JSON on stderr.
import { finishVerdict, type Reading } from './classify.js';
import { clipHead, clipTail, isObject, num, parseJsonObject, str, sum, type JsonObject } from './parse-util.js';
import type { CliAdapter, RunOutput } from './types.js';

/** Gemini CLI exit codes with a fixed meaning (REFERENCE §3). */
export const GEMINI_EXIT = { auth: 41, turnLimit: 53, untrusted: 55 } as const;

function tokens(stats: unknown): { in?: number; out?: number } {
  const models = isObject(stats) && isObject(stats.models) ? Object.values(stats.models) : [];
  let tin: number | undefined;
  let tout: number | undefined;
  for (const model of models) {
    const t = isObject(model) && isObject(model.tokens) ? model.tokens : undefined;
    if (!t) continue;
    tin = sum(tin, num(t.prompt) ?? num(t.input));
    tout = sum(tout, num(t.candidates), num(t.thoughts));
  }
  return { in: tin, out: tout };
}

function errorText(doc: JsonObject | undefined): string | undefined {
  if (!doc || doc.error === undefined) return undefined;
  const error = doc.error;
  if (!isObject(error)) return String(error);
  const type = str(error.type);
  const message = str(error.message) ?? JSON.stringify(error);
  return type ? `${type}: ${message}` : message;
}

function readGemini(out: RunOutput): Reading {
  const doc = parseJsonObject(out.stdout);
  const errDoc = parseJsonObject(out.stderr);
  const t = tokens(doc?.stats);
  const reading: Reading = {
    ok: false,
    text: str(doc?.response) ?? '',
    session_id: str(doc?.session_id) ?? str(errDoc?.session_id),
    tokens_in: t.in,
    tokens_out: t.out,
  };
  const reported = errorText(doc) ?? errorText(errDoc);
  const detail = reported ?? clipTail(out.stderr.trim(), 1000);
  if (out.exitCode === GEMINI_EXIT.auth) {
    reading.kind = 'fatal';
    reading.error = `authentication failed (gemini exit 41)${detail ? `: ${detail}` : ''}`;
  } else if (out.exitCode === GEMINI_EXIT.turnLimit) {
    reading.kind = 'transient';
    reading.error = `gemini stopped at its turn limit (exit 53)${detail ? `: ${detail}` : ''}`;
  } else if (out.exitCode === GEMINI_EXIT.untrusted) {
    reading.kind = 'fatal';
    reading.error = `gemini refused an untrusted folder (exit 55; needs --skip-trust)${detail ? `: ${detail}` : ''}`;
  } else if (reported) reading.error = reported;
  else if (!doc) {
    const shown = out.stdout.trim();
    reading.error = shown ? `gemini output is not JSON: ${clipHead(shown, 200)}` : 'gemini printed no output';
    reading.evidence = out.stdout.slice(-4000);
  } else if (typeof doc.response !== 'string') reading.error = 'gemini output has no response';
  else if (out.exitCode !== 0) reading.error = `gemini exited with code ${out.exitCode}`;
  else reading.ok = true;
  return reading;
}

/** Gemini CLI headless (`-p`), auto-approving tools in a trusted workspace. */
export const geminiAdapter: CliAdapter = {
  cli: 'gemini',
  defaultBin: 'gemini',
  versionArgs: ['--version'],
  build(profile, ctx) {
    const args = ['-p', ctx.prompt, '-o', 'json', '--skip-trust', '--approval-mode', 'yolo'];
    if (profile.model) args.push('-m', profile.model);
    args.push(...(profile.args ?? []));
    return { file: profile.bin || 'gemini', args };
  },
  parse(out) {
    return finishVerdict(readGemini(out), out);
  },
};
