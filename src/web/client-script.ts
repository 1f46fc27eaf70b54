// The board's only script (served from /assets/board.js): live refresh over SSE, actions without a page load, the log tail.
// Everything works without it (forms post and redirect); with it, a change anywhere shows within a second.
export const BOARD_JS = `(() => {
  'use strict';
  const main = () => document.getElementById('main');
  const csrf = () => document.querySelector('meta[name=csrf]')?.getAttribute('content') ?? '';
  const dot = document.getElementById('live');
  let busy = false, again = false, feed = null;

  function flash(text, bad) {
    const el = document.createElement('div');
    el.className = 'flash' + (bad ? ' bad' : '');
    el.setAttribute('role', 'status');
    el.textContent = text;
    document.body.appendChild(el);
    setTimeout(() => el.remove(), bad ? 8000 : 3500);
  }

  // Someone typing in the page, or pressing a button: do not replace what they type or click.
  let pressing = false;
  function typing() {
    if (pressing) return true;
    const a = document.activeElement;
    return a && main()?.contains(a) && (a.tagName === 'TEXTAREA' || (a.tagName === 'INPUT' && a.type === 'text')) && a.value !== '';
  }
  document.addEventListener('pointerdown', () => { pressing = true; }, true);
  const released = () => { pressing = false; if (again && !busy) { again = false; setTimeout(refresh, 50); } };
  document.addEventListener('pointerup', () => setTimeout(released, 0), true);
  document.addEventListener('pointercancel', released, true);

  async function refresh() {
    if (busy) { again = true; return; }
    if (typing()) { again = true; return; }
    busy = true;
    try {
      const res = await fetch(location.href, { headers: { 'x-steward-partial': '1' }, credentials: 'same-origin' });
      if (res.status === 401) { location.href = '/login'; return; }
      if (!res.ok) return;
      const text = await res.text();
      const box = main();
      if (!box || typing()) { again = true; return; }
      const checked = new Set([...box.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.name + '=' + c.value));
      const open = new Set([...box.querySelectorAll('details[open][id]')].map((d) => d.id));
      const log = document.getElementById('log');
      box.innerHTML = text;
      for (const c of box.querySelectorAll('input[type=checkbox]')) if (checked.has(c.name + '=' + c.value)) c.checked = true;
      for (const d of box.querySelectorAll('details[id]')) if (open.has(d.id)) d.open = true;
      const fresh = document.getElementById('log');
      if (log && fresh && log !== fresh && log.dataset.src === fresh.dataset.src) fresh.replaceWith(log);
      else if (fresh !== log) tail();
      document.body.dataset.version = String(Number(document.body.dataset.version || 0) + 1);
    } catch { /* offline for a moment: the next change tries again */ } finally {
      busy = false;
      if (again) { again = false; setTimeout(refresh, 50); }
    }
  }

  function connect() {
    if (feed || document.hidden) return;
    feed = new EventSource('/events');
    feed.addEventListener('open', () => dot && dot.classList.add('on'));
    feed.addEventListener('change', () => refresh());
    feed.addEventListener('error', () => dot && dot.classList.remove('on'));
  }
  function disconnect() { if (feed) { feed.close(); feed = null; } dot && dot.classList.remove('on'); }

  // Actions: post the form, show what happened, refresh the view.
  document.addEventListener('submit', async (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || form.method.toLowerCase() !== 'post' || form.dataset.plain !== undefined) return;
    ev.preventDefault();
    const submitter = ev.submitter;
    const body = new URLSearchParams(new FormData(form, submitter));
    if (form.dataset.confirm && !confirm(form.dataset.confirm)) return;
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    try {
      const res = await fetch(form.action, { method: 'POST', body, headers: { accept: 'application/json' }, credentials: 'same-origin' });
      const out = await res.json().catch(() => ({ message: res.statusText }));
      flash(out.message ?? out.error?.message ?? String(res.status), !res.ok);
      if (res.ok) for (const t of form.querySelectorAll('textarea')) t.value = '';
    } catch (err) {
      flash(String(err), true);
    } finally {
      for (const b of form.querySelectorAll('button')) b.disabled = false;
      if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
      refresh();
    }
  });

  // Select all / none on the board's bulk bar.
  document.addEventListener('click', (ev) => {
    const t = ev.target;
    if (t instanceof HTMLElement && t.dataset.selectAll !== undefined) {
      const on = t.dataset.selectAll === '1';
      for (const c of main().querySelectorAll('input[name=ids]')) c.checked = on;
    }
  });

  // The live log of a running run: only while the tab is visible.
  let logFeed = null;
  function tail() {
    if (logFeed) { logFeed.close(); logFeed = null; }
    const el = document.getElementById('log');
    if (!el || !el.dataset.src || document.hidden) return;
    const stick = () => { el.scrollTop = el.scrollHeight; };
    logFeed = new EventSource(el.dataset.src);
    logFeed.addEventListener('tail', (e) => { el.textContent = JSON.parse(e.data); stick(); });
    logFeed.addEventListener('log', (e) => { el.textContent += JSON.parse(e.data); stick(); });
    logFeed.addEventListener('end', () => { el.textContent += '\\n— the run ended —\\n'; stick(); logFeed.close(); logFeed = null; el.dataset.src = ''; });
  }

  document.addEventListener('visibilitychange', () => {
    if (document.hidden) { disconnect(); if (logFeed) { logFeed.close(); logFeed = null; } }
    else { connect(); refresh(); tail(); }
  });
  document.addEventListener('focusout', () => { if (again && !busy) { again = false; setTimeout(refresh, 50); } });
  connect();
  tail();
  window.stewardBoard = { refresh, csrf };
})();
`;
