// Config layers (defaults < file < STEWARD_* env < flags): parsed, merged and validated without I/O.
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { StewardError } from '../core/errors.js';
import { describeIssues, formatPath, showValue, type IssuePath } from '../core/issue-text.js';
import { configSchema, MCP_ROLES, type Config, type McpRole } from './schema.js';

/** One source of config values. */
export interface ConfigLayer {
  /** Where the values came from, for messages: a file path, "environment", "flags". */
  source: string;
  data: Record<string, unknown>;
  /** Where in the source a key path was set ("config.yaml:4:5", "STEWARD_MCP_PORT"), when known. */
  locate?(path: IssuePath): string | undefined;
}

import { CONFIG_ENV_VARS, TOKEN_ENV_PREFIX } from './config-env.js';

export { CONFIG_ENV_VARS } from './config-env.js';

/** STEWARD_MCP_TOKEN_<ROLE> adds a bearer token for that role (so secrets can stay out of the file). */
export const TOKEN_ENV_VARS: Record<string, McpRole> = Object.fromEntries(
  MCP_ROLES.map((role) => [`${TOKEN_ENV_PREFIX}${role.toUpperCase()}`, role]),
);

/** Parses YAML text into a layer; PARSE_ERROR with line and column when it is not YAML. */
export function readConfigLayer(text: string, source: string): ConfigLayer {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: true, uniqueKeys: true, merge: true });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const pos = problem.linePos?.[0];
    const what = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    throw new StewardError('PARSE_ERROR', `invalid YAML in ${where}: ${what}`, {
      file: source,
      line: pos?.line,
      column: pos?.col,
    });
  }
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const locate = (path: IssuePath): string | undefined => {
    const node = findKeyNode(doc.contents, path);
    if (!node?.range) return undefined;
    const { line, col } = lineCounter.linePos(node.range[0]);
    return `${source}:${line}:${col}`;
  };
  if (data === null || data === undefined) return { source, data: {}, locate };
  if (!isPlainObject(data)) {
    throw new StewardError('VALIDATION', `invalid config in ${source}: expected a mapping of sections at the top, got ${showValue(data)}`, {
      file: source,
    });
  }
  // Top-level `x-…` keys hold YAML anchors for `<<` merge keys (as in compose files); they are not config.
  for (const key of Object.keys(data)) if (key.startsWith('x-')) delete data[key];
  return { source, data, locate };
}

/** The layer the STEWARD_* variables make (see CONFIG_ENV_VARS, TOKEN_ENV_VARS); empty values are ignored. */
export function envConfigLayer(env: Record<string, string | undefined>): ConfigLayer {
  const data: Record<string, unknown> = {};
  const origin = new Map<string, string>();
  for (const [name, path] of Object.entries(CONFIG_ENV_VARS)) {
    const value = env[name]?.trim();
    if (!value) continue;
    setPath(data, path, value);
    origin.set(formatPath(path), name);
  }
  for (const [name, role] of Object.entries(TOKEN_ENV_VARS)) {
    const value = env[name]?.trim();
    if (!value) continue;
    setPath(data, ['mcp', 'tokens', value], { role, name: `env:${name}` });
    origin.set(formatPath(['mcp', 'tokens', value]), name);
  }
  const locate = (path: IssuePath): string | undefined => {
    for (let n = path.length; n > 0; n--) {
      const name = origin.get(formatPath(path.slice(0, n)));
      if (name) return name;
    }
    return undefined;
  };
  return { source: 'environment', data, locate };
}

/** The layer of overrides a caller passes (CLI flags): a partial config object. */
export function flagsConfigLayer(flags: unknown): ConfigLayer {
  if (flags === undefined || flags === null) return { source: 'flags', data: {} };
  if (!isPlainObject(flags)) throw new StewardError('VALIDATION', `invalid config flags: expected an object, got ${showValue(flags)}`);
  return { source: 'flags', data: flags };
}

/** Merges layers (later wins; mappings merge key by key, lists and values replace, null means unset) and validates. */
export function mergeConfigLayers(layers: readonly ConfigLayer[]): Config {
  for (const layer of layers) {
    // zod's records skip "__proto__" silently; a key that can never take effect is an error.
    const bad = findProtoKey(layer.data, []);
    if (bad) {
      const where = layer.locate?.(bad) ?? layer.source;
      const path = formatPath(bad);
      throw new StewardError('VALIDATION', `invalid config: ${where}: ${path}: "__proto__" is not allowed as a key`, {
        issues: [{ path, message: '"__proto__" is not allowed as a key', source: where }],
      });
    }
  }
  const merged = layers.reduce<Record<string, unknown>>((acc, layer) => mergeInto(acc, layer.data), {});
  const result = configSchema.safeParse(merged, { reportInput: true });
  if (result.success) return result.data;
  const issues = describeIssues(result.error.issues, configSchema).map((line) => {
    const path = redactTokens(line.path);
    return { path: formatPath(path), message: line.text, source: whereSet(layers, line.path) };
  });
  const text = issues.map((i) => `${i.source}: ${i.path}: ${i.message}`).join('; ');
  throw new StewardError('VALIDATION', `invalid config: ${text}`, { issues });
}

/** Parses and validates one YAML text on its own (defaults filled in). */
export function parseConfigText(text: string, source = 'config.yaml'): Config {
  return mergeConfigLayers([readConfigLayer(text, source)]);
}

/** Where the value at `path` came from: the last layer that sets it (or the closest parent), with its location. */
function whereSet(layers: readonly ConfigLayer[], path: IssuePath): string {
  for (let n = path.length; n > 0; n--) {
    const prefix = path.slice(0, n);
    for (let i = layers.length - 1; i >= 0; i--) {
      const layer = layers[i]!;
      if (hasPath(layer.data, prefix)) return layer.locate?.(prefix) ?? layer.source;
    }
  }
  const last = [...layers].reverse().find((l) => Object.keys(l.data).length > 0) ?? layers.at(-1);
  return last?.source ?? 'config';
}

/** Error paths must not print a secret: a token key shows as its first 4 characters. */
function redactTokens(path: PropertyKey[]): PropertyKey[] {
  if (path[0] !== 'mcp' || path[1] !== 'tokens' || path.length < 3) return path;
  return ['mcp', 'tokens', `${String(path[2]).slice(0, 4)}…`, ...path.slice(3)];
}

function mergeInto(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(base)) setOwn(out, k, v);
  for (const [k, v] of Object.entries(over)) {
    if (v === null || v === undefined) {
      // An empty YAML value means "not set"; the key stays so a misspelt empty section is still reported.
      if (!Object.hasOwn(out, k)) setOwn(out, k, undefined);
      continue;
    }
    const prev = out[k];
    const next = isPlainObject(v) ? mergeInto(isPlainObject(prev) && Object.hasOwn(out, k) ? prev : {}, v) : v;
    setOwn(out, k, next);
  }
  return out;
}

/** Defines an own property even for "__proto__", so a strict schema sees (and refuses) it. */
function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = obj;
  for (const seg of path.slice(0, -1)) {
    if (!isPlainObject(node[seg])) setOwn(node, seg, {});
    node = node[seg] as Record<string, unknown>;
  }
  setOwn(node, path.at(-1)!, value);
}

function hasPath(obj: unknown, path: IssuePath): boolean {
  let node = obj;
  for (const seg of path) {
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, seg)) return false;
    node = (node as Record<PropertyKey, unknown>)[seg];
  }
  return true;
}

function findProtoKey(value: unknown, path: PropertyKey[]): PropertyKey[] | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    if (k === '__proto__') return [...path, k];
    const found = findProtoKey(v, [...path, Array.isArray(value) ? Number(k) : k]);
    if (found) return found;
  }
  return undefined;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** The YAML node of the key at `path` (or of the list item), for its line and column. */
function findKeyNode(root: unknown, path: IssuePath): Node | undefined {
  let node = root;
  let found: Node | undefined;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) return undefined;
      found = (isScalar(pair.key) ? pair.key : undefined) ?? (pair.value as Node | undefined);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      found = node as Node | undefined;
    } else return undefined;
  }
  return found;
}
