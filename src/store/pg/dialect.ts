// SQLite → Postgres: rewrites the statements the repositories write for better-sqlite3 so Postgres runs them with
// the same meaning. Done once per statement text (PgDatabase caches it). Works on tokens, so string literals, quoted
// identifiers and comments are never touched.
//
//   ?, @name, :name, $name          → $1, $2, … (a named parameter keeps one number; `$1` written natively stays)
//   <param> IS [NOT] NULL           → $k::text IS [NOT] NULL on its own number (Postgres cannot type a parameter
//                                     whose first use is a null test; the same value is bound twice)
//   x IS <param> / x IS NOT <param> → x IS NOT DISTINCT FROM $k / x IS DISTINCT FROM $k
//   INSERT OR IGNORE INTO …         → INSERT INTO … ON CONFLICT DO NOTHING
//   MAX(a, b) / MIN(a, b)           → GREATEST(a, b) / LEAST(a, b) (one argument: still the aggregate)
//   json_each(x) [AS] [alias]       → json_array_elements_text((x)::json) AS alias(value); bigint values when the
//                                     list is compared with an id (`id IN (SELECT value FROM json_each(?))`, or the
//                                     first term of a recursive CTE whose column is `id`)
//   instr(a, b) → strpos(a, b); ifnull → coalesce; x GLOB p → x ~ <p as an anchored regex>; LIKE → ILIKE; == → =
//   SUM|AVG|TOTAL(<comparison>) → SUM((<comparison>)::int); group_concat(x[, sep]) → string_agg(x::text, sep|',')
//   CAST(x AS INTEGER) → CAST(x AS BIGINT) (SQLite's integers are 64-bit); AS REAL → AS DOUBLE PRECISION
//   INDEXED BY name / NOT INDEXED   → removed (a SQLite planner hint)
//   FROM (SELECT …) without alias   → FROM (SELECT …) AS _sN (Postgres ≤ 15 requires one)
//   ON CONFLICT … DO UPDATE SET c = f(c, excluded.c) → target columns qualified with the table (else ambiguous)
//   ORDER BY x [ASC]|DESC           → NULLS FIRST|LAST added where x may be NULL (SQLite sorts NULL lowest);
//                                     left alone for columns the schema says are NOT NULL (so indexes still serve)
// INSERT OR REPLACE / REPLACE INTO have no faithful Postgres form: they throw TranslateError.

/** Where each `$n` takes its value from: the n-th positional argument or a named one. */
export type Bind = { pos: number } | { name: string };

/** A statement as Postgres runs it. */
export interface Translated {
  text: string;
  binds: Bind[];
  /** The table of an INSERT (lastInsertRowid needs `RETURNING id` when it has an id column). */
  insertInto: string | null;
  /** The statement already has a RETURNING clause. */
  returning: boolean;
}

/** What the translation may know about the schema: which columns are NOT NULL (for ORDER BY). */
export interface SchemaInfo {
  /** True when `table.column` is declared NOT NULL. */
  notNull(table: string, column: string): boolean;
  /** The tables that have a column of this name. */
  tablesWith(column: string): string[];
}

/** A statement that has no Postgres form. */
export class TranslateError extends Error {
  constructor(message: string, readonly sql: string) {
    super(`${message} (in: ${sql.replace(/\s+/g, ' ').trim().slice(0, 200)})`);
    this.name = 'TranslateError';
  }
}

type Kind = 'ws' | 'comment' | 'str' | 'qident' | 'param' | 'word' | 'num' | 'op' | '(' | ')' | ',' | ';' | '.';
interface Tok {
  k: Kind;
  v: string;
}

/** Splits SQL into tokens; concatenating their `v` gives the input back. */
export function tokenize(sql: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    const start = i;
    if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      out.push({ k: 'ws', v: sql.slice(start, i) });
    } else if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') i++;
      out.push({ k: 'comment', v: sql.slice(start, i) });
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      i = end === -1 ? n : end + 2;
      out.push({ k: 'comment', v: sql.slice(start, i) });
    } else if (c === "'" || c === '"' || c === '`') {
      i++;
      for (;;) {
        if (i >= n) break;
        if (sql[i] === c) {
          if (sql[i + 1] === c) i += 2;
          else {
            i++;
            break;
          }
        } else i++;
      }
      out.push({ k: c === "'" ? 'str' : 'qident', v: sql.slice(start, i) });
    } else if (c === '?') {
      i++;
      while (i < n && /[0-9]/.test(sql[i]!)) i++;
      out.push({ k: 'param', v: sql.slice(start, i) });
    } else if ((c === '@' || c === '$' || (c === ':' && sql[i + 1] !== ':' && sql[i - 1] !== ':')) && /[A-Za-z_0-9]/.test(sql[i + 1] ?? '')) {
      i++;
      while (i < n && /[A-Za-z_0-9]/.test(sql[i]!)) i++;
      out.push({ k: 'param', v: sql.slice(start, i) });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < n && /[A-Za-z_0-9$]/.test(sql[i]!)) i++;
      out.push({ k: 'word', v: sql.slice(start, i) });
    } else if (/[0-9]/.test(c)) {
      while (i < n && /[0-9.eE]/.test(sql[i]!)) i++;
      out.push({ k: 'num', v: sql.slice(start, i) });
    } else if (c === '(' || c === ')' || c === ',' || c === ';' || c === '.') {
      i++;
      out.push({ k: c, v: c });
    } else {
      const two = sql.slice(i, i + 2);
      i += ['||', '<=', '>=', '<>', '!=', '==', '::'].includes(two) ? 2 : 1;
      out.push({ k: 'op', v: sql.slice(start, i) });
    }
  }
  return out;
}

const up = (t: Tok | undefined): string => (t && t.k === 'word' ? t.v.toUpperCase() : '');
const isId = (name: string): boolean => /^(id|\w+_id)$/i.test(name);

/** Words after a FROM-subquery's `)` that mean it has no alias. */
const NOT_ALIAS = new Set(['WHERE', 'ORDER', 'GROUP', 'LIMIT', 'OFFSET', 'JOIN', 'LEFT', 'RIGHT', 'INNER', 'CROSS', 'FULL',
  'NATURAL', 'ON', 'USING', 'UNION', 'EXCEPT', 'INTERSECT', 'HAVING', 'WINDOW', 'RETURNING', 'FOR', 'SET']);
/** Words in a DO UPDATE SET expression that are not column names. */
const SQL_WORDS = new Set(['NULL', 'TRUE', 'FALSE', 'CASE', 'WHEN', 'THEN', 'ELSE', 'END', 'AND', 'OR', 'NOT', 'IS', 'IN',
  'DISTINCT', 'FROM', 'EXCLUDED', 'SELECT', 'WHERE', 'AS', 'BETWEEN', 'LIKE', 'ILIKE', 'EXISTS', 'CAST', 'INTEGER', 'BIGINT',
  'TEXT', 'REAL', 'DOUBLE', 'PRECISION', 'NUMERIC', 'ESCAPE', 'COLLATE', 'INTERVAL', 'CURRENT_TIMESTAMP']);
/** Words that end an ORDER BY list. */
const ORDER_END = new Set(['LIMIT', 'OFFSET', 'UNION', 'EXCEPT', 'INTERSECT', 'FOR', 'RETURNING', 'WINDOW', 'ROWS', 'RANGE', 'GROUPS', 'FETCH']);

class Rewriter {
  toks: Tok[];
  private match: number[] = [];

  constructor(readonly sql: string) {
    this.toks = tokenize(sql);
    this.matchParens();
  }

  matchParens(): void {
    this.match = new Array<number>(this.toks.length).fill(-1);
    const stack: number[] = [];
    this.toks.forEach((t, i) => {
      if (t.k === '(') stack.push(i);
      else if (t.k === ')') {
        const open = stack.pop();
        if (open !== undefined) {
          this.match[open] = i;
          this.match[i] = open;
        }
      }
    });
  }

  close(open: number): number {
    const end = this.match[open];
    if (end === undefined || end < 0) throw new TranslateError('unbalanced parentheses', this.sql);
    return end;
  }

  /** Index of the next/previous significant token (not whitespace or comment), or -1. */
  next(i: number): number {
    for (let j = i + 1; j < this.toks.length; j++) if (this.toks[j]!.k !== 'ws' && this.toks[j]!.k !== 'comment') return j;
    return -1;
  }

  prev(i: number): number {
    for (let j = i - 1; j >= 0; j--) if (this.toks[j]!.k !== 'ws' && this.toks[j]!.k !== 'comment') return j;
    return -1;
  }

  /** Replaces token i's text (its kind stays, so parens still match; '' makes it whitespace). */
  set(i: number, v: string): void {
    this.toks[i] = { k: v === '' ? 'ws' : this.toks[i]!.k, v };
  }

  text(from: number, to: number): string {
    return this.toks.slice(from, to + 1).map((t) => t.v).join('');
  }

  /** Top-level comma positions between `open` and its `)`. */
  commas(open: number): number[] {
    const end = this.close(open);
    const out: number[] = [];
    for (let j = open + 1; j < end; j++) {
      if (this.toks[j]!.k === '(') j = this.close(j);
      else if (this.toks[j]!.k === ',') out.push(j);
    }
    return out;
  }
}

/** Translates one better-sqlite3 statement to Postgres. */
export function translate(sql: string, schema?: SchemaInfo): Translated {
  const r = new Rewriter(sql);
  const binds = numberParams(r);
  const onConflictNothing = rewriteInsertOr(r);
  removeIndexedBy(r);
  rewriteFunctions(r);
  rewriteOperators(r);
  r.matchParens();
  aliasSubqueries(r);
  r.matchParens();
  qualifyUpsert(r);
  r.matchParens();
  orderNulls(r, schema);
  let text = r.toks.map((t) => t.v).join('').trim();
  while (text.endsWith(';')) text = text.slice(0, -1).trimEnd();
  if (onConflictNothing) text = insertBeforeReturning(text, 'ON CONFLICT DO NOTHING');
  const first = r.next(-1);
  const insertInto = up(r.toks[first]) === 'INSERT' ? insertTable(r) : null;
  const returning = r.toks.some((t) => up(t) === 'RETURNING');
  return { text, binds, insertInto, returning };
}

function insertBeforeReturning(text: string, clause: string): string {
  const m = /\sRETURNING\s/i.exec(text);
  return m ? `${text.slice(0, m.index)} ${clause}${text.slice(m.index)}` : `${text} ${clause}`;
}

function insertTable(r: Rewriter): string | null {
  for (let i = 0; i < r.toks.length; i++) {
    if (up(r.toks[i]) === 'INTO') {
      const j = r.next(i);
      const t = r.toks[j];
      if (!t) return null;
      // schema.table → table
      const dot = r.next(j);
      if (r.toks[dot]?.k === '.') return unquote(r.toks[r.next(dot)]?.v ?? '');
      return unquote(t.v);
    }
  }
  return null;
}

function unquote(name: string): string {
  return name.startsWith('"') ? name.slice(1, -1).replaceAll('""', '"') : name.toLowerCase();
}

/** INSERT OR IGNORE → INSERT (+ ON CONFLICT DO NOTHING at the end); OR REPLACE / REPLACE INTO refused. */
function rewriteInsertOr(r: Rewriter): boolean {
  const first = r.next(-1);
  const head = up(r.toks[first]);
  if (head === 'REPLACE') throw new TranslateError('REPLACE INTO has no Postgres form: write INSERT … ON CONFLICT (…) DO UPDATE', r.sql);
  if (head !== 'INSERT') return false;
  const or = r.next(first);
  if (up(r.toks[or]) !== 'OR') return false;
  const what = r.next(or);
  const mode = up(r.toks[what]);
  if (mode !== 'IGNORE') throw new TranslateError(`INSERT OR ${mode} has no Postgres form: write INSERT … ON CONFLICT (…) DO UPDATE`, r.sql);
  for (let j = first + 1; j <= what; j++) r.set(j, '');
  r.set(first, 'INSERT');
  return true;
}

function removeIndexedBy(r: Rewriter): void {
  for (let i = 0; i < r.toks.length; i++) {
    const w = up(r.toks[i]);
    const j = r.next(i);
    if (w === 'INDEXED' && up(r.toks[j]) === 'BY') {
      const name = r.next(j);
      for (let k = i; k <= name; k++) r.set(k, '');
    } else if (w === 'NOT' && up(r.toks[j]) === 'INDEXED') {
      for (let k = i; k <= j; k++) r.set(k, '');
    }
  }
}

/** Function calls: MAX/MIN with two or more arguments, instr, ifnull, json_each. */
function rewriteFunctions(r: Rewriter): void {
  for (let i = 0; i < r.toks.length; i++) {
    const t = r.toks[i]!;
    if (t.k !== 'word') continue;
    const open = r.next(i);
    if (r.toks[open]?.k !== '(' || r.toks[r.prev(i)]?.k === '.') continue;
    const name = t.v.toLowerCase();
    if ((name === 'max' || name === 'min') && r.commas(open).length > 0) r.set(i, name === 'max' ? 'GREATEST' : 'LEAST');
    else if (name === 'instr') r.set(i, 'strpos');
    else if (name === 'ifnull') r.set(i, 'coalesce');
    else if (name === 'json_each') jsonEach(r, i, open);
    else if (name === 'group_concat') groupConcat(r, i, open);
    else if ((name === 'sum' || name === 'avg' || name === 'total') && booleanArgument(r, open)) {
      // SQLite counts with SUM(a = b) (a comparison is 0 or 1); Postgres has no sum(boolean).
      r.set(open, '((');
      r.set(r.close(open), ')::int)');
    }
  }
}

/** Whether a one-argument call's argument is a comparison (at its top level, outside any CASE). */
function booleanArgument(r: Rewriter, open: number): boolean {
  if (r.commas(open).length) return false;
  const end = r.close(open);
  let comparison = false;
  for (let j = open + 1; j < end; j++) {
    const t = r.toks[j]!;
    if (t.k === '(') j = r.close(j);
    else if (up(t) === 'CASE') return false;
    else if (t.k === 'op' && ['=', '==', '<>', '!=', '<', '>', '<=', '>='].includes(t.v)) comparison = true;
    else if (['IS', 'IN', 'LIKE', 'GLOB', 'BETWEEN', 'EXISTS', 'AND', 'OR', 'NOT'].includes(up(t))) comparison = true;
  }
  return comparison;
}

/** group_concat(x[, sep]) → string_agg(x::text, sep) (SQLite's default separator is a comma). */
function groupConcat(r: Rewriter, at: number, open: number): void {
  const commas = r.commas(open);
  const end = r.close(open);
  r.set(at, 'string_agg');
  if (commas.length === 0) r.set(end, "::text, ',')");
  else r.set(commas[0]!, '::text,');
}

/**
 * json_each(x) [AS] [alias] → a set of the array's elements with a `value` column: text, or bigint when the values
 * are compared with an id (Postgres compares bigint with text only after a cast; SQLite's json_each yields integers).
 */
function jsonEach(r: Rewriter, at: number, open: number): void {
  if (r.commas(open).length) throw new TranslateError('json_each(json, path) has no Postgres translation here', r.sql);
  const end = r.close(open);
  let alias = 'json_each';
  let last = end;
  let a = r.next(end);
  if (up(r.toks[a]) === 'AS') a = r.next(a);
  const cand = r.toks[a];
  if (cand && (cand.k === 'word' || cand.k === 'qident') && !NOT_ALIAS.has(up(cand)) && up(cand) !== 'AS') {
    alias = cand.v;
    last = a;
  }
  // The argument's tokens stay where they are (its parameters are numbered already); text goes around them.
  for (let k = end + 1; k <= last; k++) r.set(k, '');
  if (idContext(r, at)) {
    r.set(at, '(SELECT e.value::bigint AS value FROM json_array_elements_text(');
    r.set(end, `)::json) AS e(value)) AS ${alias}`);
  } else {
    r.set(at, 'json_array_elements_text(');
    r.set(end, `)::json) AS ${alias}(value)`);
  }
}

/** Whether `json_each` at `at` sits in `<id> [NOT] IN (SELECT value FROM json_each…` or opens a CTE `x(id) AS (SELECT value FROM json_each…`. */
function idContext(r: Rewriter, at: number): boolean {
  const from = r.prev(at);
  const value = r.prev(from);
  const select = r.prev(value);
  if (up(r.toks[from]) !== 'FROM' || up(r.toks[value]) !== 'VALUE' || up(r.toks[select]) !== 'SELECT') return false;
  const paren = r.prev(select);
  if (r.toks[paren]?.k !== '(') return false;
  let before = r.prev(paren);
  if (up(r.toks[before]) === 'IN') {
    before = r.prev(before);
    if (up(r.toks[before]) === 'NOT') before = r.prev(before);
    const operand = r.toks[before];
    return operand?.k === 'word' && isId(operand.v);
  }
  if (up(r.toks[before]) === 'AS') {
    const cols = r.prev(before);
    if (r.toks[cols]?.k !== ')') return false;
    const first = r.next(r.close(cols));
    const col = r.toks[first];
    return col?.k === 'word' && isId(col.v);
  }
  return false;
}

/** IS <param>, GLOB, LIKE, CAST(… AS INTEGER|REAL). */
function rewriteOperators(r: Rewriter): void {
  for (let i = 0; i < r.toks.length; i++) {
    const w = up(r.toks[i]);
    if (r.toks[i]!.k === 'op' && r.toks[i]!.v === '==') {
      r.set(i, '=');
    } else if (w === 'IS') {
      let j = r.next(i);
      const not = up(r.toks[j]) === 'NOT';
      if (not) j = r.next(j);
      if (r.toks[j]?.k === 'param') r.set(i, not ? 'IS DISTINCT FROM' : 'IS NOT DISTINCT FROM');
      if (not && r.toks[j]?.k === 'param') r.set(r.next(i), '');
    } else if (w === 'LIKE') {
      r.set(i, 'ILIKE');
    } else if (w === 'GLOB') {
      const j = r.next(i);
      const p = r.toks[j];
      if (!p) throw new TranslateError('GLOB without a pattern', r.sql);
      r.set(i, '~');
      r.set(j, p.k === 'str' ? `'${globToRegex(p.v.slice(1, -1).replaceAll("''", "'")).replaceAll("'", "''")}'` : globRegexSql(p.v));
    } else if (w === 'CAST' && r.toks[r.next(i)]?.k === '(') {
      const open = r.next(i);
      const end = r.close(open);
      const type = r.prev(end);
      const as = r.prev(type);
      if (up(r.toks[as]) !== 'AS') continue;
      if (up(r.toks[type]) === 'INTEGER' || up(r.toks[type]) === 'INT') r.set(type, 'BIGINT');
      else if (up(r.toks[type]) === 'REAL') r.set(type, 'DOUBLE PRECISION');
    }
  }
}

/** A GLOB pattern as an anchored POSIX regex (`*` any run, `?` one character, `[…]` a class, the rest literal). */
export function globToRegex(glob: string): string {
  let out = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) out += '\\[';
      else {
        out += glob.slice(i, end + 1);
        i = end;
      }
    } else out += /[.+^${}()|\\]/.test(c) ? `\\${c}` : c;
  }
  return `${out}$`;
}

/** The same conversion in SQL, for a pattern that is a parameter or a column. */
function globRegexSql(p: string): string {
  const esc = `regexp_replace(${p}, '([.+^$(){}|\\\\])', '\\\\\\1', 'g')`;
  return `('^' || replace(replace(${esc}, '*', '.*'), '?', '.') || '$')`;
}

/** FROM ( SELECT … ) with no alias gets one. */
function aliasSubqueries(r: Rewriter): void {
  let n = 0;
  for (let i = 0; i < r.toks.length; i++) {
    if (r.toks[i]!.k !== '(') continue;
    const before = up(r.toks[r.prev(i)]);
    if (before !== 'FROM' && before !== 'JOIN') continue;
    const inner = up(r.toks[r.next(i)]);
    if (inner !== 'SELECT' && inner !== 'WITH' && inner !== 'VALUES') continue;
    const end = r.close(i);
    const after = r.toks[r.next(end)];
    const hasAlias = after && (after.k === 'qident' || (after.k === 'word' && !NOT_ALIAS.has(up(after))));
    if (!hasAlias) r.set(end, `) AS _s${++n}`);
  }
}

/** In ON CONFLICT … DO UPDATE SET, bare column names on the right-hand sides (and in its WHERE) get the table's name. */
function qualifyUpsert(r: Rewriter): void {
  let set = -1;
  for (let i = 0; i < r.toks.length; i++) {
    if (up(r.toks[i]) === 'DO' && up(r.toks[r.next(i)]) === 'UPDATE' && up(r.toks[r.next(r.next(i))]) === 'SET') {
      set = r.next(r.next(i));
      break;
    }
  }
  if (set === -1) return;
  const table = insertTable(r);
  if (!table) return;
  let lhs = true; // at the start of an assignment, before its `=`
  for (let i = set + 1; i < r.toks.length; i++) {
    const t = r.toks[i]!;
    const w = up(t);
    if (w === 'RETURNING') break;
    if (w === 'WHERE') {
      lhs = false;
      continue;
    }
    if (t.k === '(' && up(r.toks[r.next(i)]) === 'SELECT') {
      i = r.close(i);
      continue;
    }
    if (t.k === ',' && !insideParens(r, set, i)) {
      lhs = true;
      continue;
    }
    if (t.k === 'op' && t.v === '=' && lhs) {
      lhs = false;
      continue;
    }
    if (lhs || t.k !== 'word' || SQL_WORDS.has(w)) continue;
    const p = r.toks[r.prev(i)];
    const nx = r.toks[r.next(i)];
    if (p?.k === '.' || nx?.k === '.' || nx?.k === '(' || up(p) === 'AS') continue;
    r.set(i, `${table}.${t.v}`);
  }
}

function insideParens(r: Rewriter, from: number, at: number): boolean {
  let depth = 0;
  for (let i = from; i < at; i++) {
    if (r.toks[i]!.k === '(') depth++;
    else if (r.toks[i]!.k === ')') depth--;
  }
  return depth > 0;
}

/**
 * ORDER BY: SQLite sorts NULL lowest (first ascending, last descending), Postgres highest. Each item that may be
 * NULL gets NULLS FIRST|LAST; an item the schema declares NOT NULL is left as written (so an index still serves it).
 */
function orderNulls(r: Rewriter, schema?: SchemaInfo): void {
  const aliases = schema ? tableAliases(r) : new Map<string, string>();
  const tables = [...new Set(aliases.values())];
  for (let i = 0; i < r.toks.length; i++) {
    if (up(r.toks[i]) !== 'ORDER' || up(r.toks[r.next(i)]) !== 'BY') continue;
    const by = r.next(i);
    // The list ends at a closing paren of an enclosing group, a clause word, or the end.
    let depth = 0;
    let start = r.next(by);
    let j = start;
    const items: Array<[number, number]> = [];
    for (; j < r.toks.length && j !== -1; j++) {
      const t = r.toks[j]!;
      if (t.k === '(') depth++;
      else if (t.k === ')') {
        if (depth === 0) break;
        depth--;
      } else if (depth === 0 && (t.k === ',' || t.k === ';' || ORDER_END.has(up(t)))) {
        if (t.k !== ',') break;
        items.push([start, r.prev(j)]);
        start = r.next(j);
      }
    }
    items.push([start, r.prev(j === -1 ? r.toks.length : j)]);
    for (const [from, to] of items) {
      if (from < 0 || to < from) continue;
      if (r.toks.slice(from, to + 1).some((t) => up(t) === 'NULLS')) continue;
      let last = to;
      const dir = up(r.toks[to]);
      if (dir === 'ASC' || dir === 'DESC') last = r.prev(to);
      if (schema && itemNotNull(r, from, last, aliases, tables, schema)) continue;
      r.set(to, `${r.toks[to]!.v} ${dir === 'DESC' ? 'NULLS LAST' : 'NULLS FIRST'}`);
    }
  }
}

/** `alias.col` or `col` naming a NOT NULL column of the statement's tables. */
function itemNotNull(r: Rewriter, from: number, to: number, aliases: Map<string, string>, tables: string[], schema: SchemaInfo): boolean {
  const sig = [];
  for (let k = from; k <= to; k++) if (r.toks[k]!.k !== 'ws' && r.toks[k]!.k !== 'comment') sig.push(r.toks[k]!);
  if (sig.length === 3 && sig[0]!.k === 'word' && sig[1]!.k === '.' && sig[2]!.k === 'word') {
    const table = aliases.get(sig[0]!.v.toLowerCase());
    return table !== undefined && schema.notNull(table, sig[2]!.v.toLowerCase());
  }
  if (sig.length === 1 && sig[0]!.k === 'word') {
    const col = sig[0]!.v.toLowerCase();
    // An output alias (`COUNT(*) AS n`) or an unknown name: only when every table here that has it has it NOT NULL.
    const having = schema.tablesWith(col).filter((t) => tables.includes(t));
    return having.length > 0 && having.every((t) => schema.notNull(t, col)) && !isOutputAlias(r, col);
  }
  return false;
}

function isOutputAlias(r: Rewriter, name: string): boolean {
  for (let i = 0; i < r.toks.length; i++) {
    if (up(r.toks[i]) === 'AS' && r.toks[r.next(i)]?.v.toLowerCase() === name) return true;
  }
  return false;
}

/** alias → table for every `FROM|JOIN table [AS] alias` (and the table's own name). */
function tableAliases(r: Rewriter): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < r.toks.length; i++) {
    const w = up(r.toks[i]);
    if (w !== 'FROM' && w !== 'JOIN' && w !== 'UPDATE' && w !== 'INTO') continue;
    // `FOR UPDATE OF t` (the claim's row lock) names no table: reading it as one made `t` an alias of "of".
    if (w === 'UPDATE' && up(r.toks[r.prev(i)]) === 'FOR') continue;
    const t = r.next(i);
    const tok = r.toks[t];
    if (!tok || tok.k !== 'word') continue;
    const table = tok.v.toLowerCase();
    out.set(table, table);
    let a = r.next(t);
    if (up(r.toks[a]) === 'AS') a = r.next(a);
    const alias = r.toks[a];
    if (alias?.k === 'word' && !NOT_ALIAS.has(up(alias)) && !['AS', 'SET', 'VALUES', 'DEFAULT'].includes(up(alias))) out.set(alias.v.toLowerCase(), table);
  }
  return out;
}

/** `?` → $n in order; `@x`/`:x`/`$x` → one $n per name; a parameter tested for NULL gets its own `$k::text`. */
function numberParams(r: Rewriter): Bind[] {
  const binds: Bind[] = [];
  const named = new Map<string, number>();
  let positional = 0;
  let native = false;
  for (let i = 0; i < r.toks.length; i++) {
    const t = r.toks[i]!;
    if (t.k !== 'param') continue;
    const head = t.v[0]!;
    let bind: Bind;
    if (head === '$' && /^\$[0-9]+$/.test(t.v)) {
      native = true;
      continue; // written for Postgres: $n is the n-th argument already
    } else if (head === '?') {
      bind = t.v.length > 1 ? { pos: Number(t.v.slice(1)) - 1 } : { pos: positional++ };
    } else bind = { name: t.v.slice(1) };
    const nullTest = up(r.toks[r.next(i)]) === 'IS' && ['NULL', 'NOT'].includes(up(r.toks[r.next(r.next(i))]));
    if (nullTest) {
      binds.push(bind);
      r.set(i, `$${binds.length}::text`);
      continue;
    }
    if ('name' in bind) {
      const seen = named.get(bind.name);
      if (seen !== undefined) {
        r.set(i, `$${seen}`);
        continue;
      }
      binds.push(bind);
      named.set(bind.name, binds.length);
    } else binds.push(bind);
    r.set(i, `$${binds.length}`);
  }
  if (native && binds.length) throw new TranslateError('mixes $n with ?/@name parameters', r.sql);
  return native ? [] : binds;
}
