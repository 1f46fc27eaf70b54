// HTML as escaped-by-default template strings: `html\`<p>${text}</p>\`` escapes text; nested html and arrays are kept.
// Every interpolated text also goes through visibleText (src/core/visible-text.ts), as in the CLI's text output: a
// bidi override, an invisible or a control character in a title, goal, log or form value is shown as `\u{XXXX}`.
import { visibleText } from '../core/visible-text.js';

/** Markup that is already safe to send. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

/** Escapes text for an HTML element body or a quoted attribute. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

type Part = Html | string | number | boolean | null | undefined | Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false || part === true) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(visibleText(String(part)));
}

/** A template whose interpolations are escaped (Html values and arrays of them pass through). */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup from a trusted constant (never from data). */
export function trusted(text: string): Html {
  return new Html(text);
}
