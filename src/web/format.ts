// Small pieces every view uses: times, durations, money, state chips, task links.
import type { Task } from '../core/types.js';
import { html, type Html } from './html.js';

/** A ms time as "2026-12-03 22:47:01" (UTC). */
export function when(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString().slice(0, 19).replace('T', ' ') : '—';
}

/** A duration as "4s", "3m 20s", "2h 05m", "3d 4h". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '—';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

/** Dollars: "$0.0123", "$4.20". */
export function money(usd: number | null | undefined): string {
  if (!usd) return '$0';
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** A count with thousands separators, "12.3k" past 100,000. */
export function count(n: number | null | undefined): string {
  if (!n) return '0';
  return n >= 100_000 ? `${(n / 1000).toFixed(1)}k` : n.toLocaleString('en-US');
}

/** A task state as a coloured chip. */
export function stateChip(state: string): Html {
  return html`<span class="chip ${state}">${state}</span>`;
}

/** "#12 title" linking to the task. */
export function taskLink(t: Pick<Task, 'id' | 'title'>): Html {
  return html`<a href="/tasks/${t.id}">#${t.id} ${t.title}</a>`;
}

/** Text clipped to `max` characters with an ellipsis. */
export function clip(text: string | null | undefined, max: number): string {
  if (!text) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
