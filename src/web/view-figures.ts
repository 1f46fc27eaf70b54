// The agents view (load, pauses, outcomes, spend today) and the metrics view (throughput, failures, cost).
import type { AgentFigures, QueueFigures } from '../ops/figures.js';
import { count, duration, money, when } from './format.js';
import { html, type Html } from './html.js';

/** The agents view's main part. */
export function agentsView(agents: AgentFigures[], now: number): Html {
  const rows = agents.map((a) => html`<tr data-agent="${a.name}"><td><b>${a.name}</b></td><td class="num">${a.running}${a.max === null ? '' : ` / ${a.max}`}</td>
<td>${a.config_error ? html`<div class="bad">CLI refuses to start: ${a.config_error}</div>` : ''}${a.paused_until ? html`<span class="warn">paused until ${when(a.paused_until)} (${duration(a.paused_until - now)})</span> ${a.paused_reason ?? ''}` : a.config_error ? '' : html`<span class="ok">active</span>`}</td>
<td>${Object.entries(a.outcomes).map(([k, n]) => html`<span class="chip ${k === 'completed' ? 'done' : k === 'failed' || k === 'lost' ? 'failed' : ''}">${k} ${n}</span> `)}</td><td class="num">${money(a.cost_today)}</td></tr>`);
  return html`<h1>Agents</h1>${rows.length ? html`<table><tr><th>profile</th><th class="num">running / max</th><th>state</th><th>outcomes, last 24 h</th><th class="num">cost today (UTC)</th></tr>${rows}</table>` : html`<div class="empty">no agent profiles in .steward/config.yaml and no runs yet</div>`}`;
}

/** A small bar chart as SVG attributes (no inline style, so the page's CSP holds). */
function bars(values: number[], labels: string[], fmt: (n: number) => string, cls = ''): Html {
  const max = Math.max(1, ...values);
  const w = 34;
  const h = 90;
  return html`<svg class="bars" width="${values.length * w}" height="${h + 30}" role="img">${values.map((v, i) => {
    const bh = Math.round((v / max) * h);
    return html`<rect class="${cls}" x="${i * w + 4}" y="${h - bh}" width="${w - 8}" height="${bh}"><title>${labels[i]}: ${fmt(v)}</title></rect><text x="${i * w + 4}" y="${h + 12}">${labels[i]!.slice(5)}</text><text x="${i * w + 4}" y="${h + 24}">${fmt(v)}</text>`;
  })}</svg>`;
}

/** The metrics view's main part. */
export function metricsView(f: QueueFigures): Html {
  const labels = f.days.map((d) => d.day);
  const s = f.stats;
  return html`<h1>Metrics</h1>
<div class="panel row">${Object.entries(s.tasks).map(([k, n]) => html`<span class="chip ${k}">${k} ${count(n)}</span>`)}</div>
<div class="panel row"><span>done last 24 h: <b>${s.throughput.done_24h}</b> (${s.throughput.per_hour}/h)</span><span>runs: <b>${count(s.runs.runs)}</b></span>
<span>cost: <b>${money(s.runs.cost_usd)}</b></span><span>tokens: <b>${count(s.runs.tokens_in + s.runs.tokens_out)}</b></span></div>
<h2>Throughput: tasks done per day</h2><div class="panel">${bars(f.days.map((d) => d.done), labels, String)}</div>
<h2>Failed runs per day</h2><div class="panel">${bars(f.days.map((d) => d.failed), labels, String, 'bad')}</div>
<h2>Cost per day</h2><div class="panel">${bars(f.days.map((d) => d.cost), labels, (n) => (n ? `$${n.toFixed(2)}` : '0'))}</div>
<h2>Failures by kind (${f.days.length} days)</h2>
${f.failureKinds.length ? html`<table><tr><th>kind</th><th class="num">runs</th></tr>${f.failureKinds.map((k) => html`<tr><td>${k.kind}</td><td class="num">${k.n}</td></tr>`)}</table>` : html`<div class="empty">no failures</div>`}
<h2 id="spend">Spend per project and day (UTC)</h2>
${f.spendByProjectDay.length ? html`<table class="spend"><tr><th>day</th><th>project</th><th class="num">runs</th><th class="num">tokens</th><th class="num">cost</th></tr>${f.spendByProjectDay.map((r) => html`<tr data-spend="${r.project} ${r.day}"><td>${r.day}</td><td>${r.project}</td><td class="num">${r.runs}</td><td class="num">${count(r.tokens)}</td><td class="num">${money(r.cost)}</td></tr>`)}</table>` : html`<div class="empty">no runs yet</div>`}
<h2>Cost per project and type (${f.days.length} days)</h2>
${f.costByProjectType.length ? html`<table><tr><th>project</th><th>type</th><th class="num">runs</th><th class="num">tokens</th><th class="num">cost</th></tr>${f.costByProjectType.map((r) => html`<tr><td>${r.project}</td><td>${r.type}</td><td class="num">${r.runs}</td><td class="num">${count(r.tokens)}</td><td class="num">${money(r.cost)}</td></tr>`)}</table>` : html`<div class="empty">no runs yet</div>`}`;
}
