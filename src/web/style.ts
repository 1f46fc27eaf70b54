// The board's stylesheet (inlined in every page under a CSP nonce; no external fonts or files).
export const BOARD_CSS = `
:root{--bg:#f6f7f9;--fg:#1d2330;--muted:#667085;--line:#dde1e8;--card:#fff;--accent:#2f5bd3;--ok:#1b7f4b;--bad:#b42318;--warn:#b54708;--chip:#eef1f6}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
header.top{display:flex;align-items:center;gap:18px;padding:8px 18px;background:#111827;color:#e5e7eb}
header.top a{color:#e5e7eb;padding:4px 8px;border-radius:6px}header.top a.on{background:#374151}
header.top .brand{font-weight:700;letter-spacing:.02em}header.top .who{margin-left:auto;font-size:12px;color:#9ca3af}
.live{display:inline-block;width:8px;height:8px;border-radius:50%;background:#6b7280;margin-right:6px}.live.on{background:#22c55e}
main{padding:14px 18px;max-width:1800px}h1{font-size:20px;margin:4px 0 12px}h2{font-size:16px;margin:18px 0 8px}
h2 .n{font-weight:400;color:var(--muted)}
.panel{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin:8px 0}
.row{display:flex;gap:10px;align-items:baseline;flex-wrap:wrap}.grow{flex:1}
.muted{color:var(--muted)}.small{font-size:12px}.bad{color:var(--bad)}.ok{color:var(--ok)}.warn{color:var(--warn)}
.chip{display:inline-block;background:var(--chip);border-radius:10px;padding:0 7px;font-size:12px;color:#344054;white-space:nowrap}
.chip.review{background:#e0e7ff}.chip.running{background:#dcfce7}.chip.blocked{background:#fef3c7}.chip.failed{background:#fee4e2}
.chip.done{background:#d1fadf}.chip.cancelled{background:#f2f4f7}.chip.ready{background:#e0f2fe}
pre{background:#0f172a;color:#e2e8f0;padding:8px 10px;border-radius:6px;overflow:auto;max-height:320px;font-size:12px;margin:6px 0;white-space:pre-wrap;word-break:break-word}
pre.log{max-height:420px;min-height:80px}
textarea,input[type=text],input[type=password],input[type=number],select{font:inherit;padding:5px 7px;border:1px solid var(--line);border-radius:6px;background:#fff}
textarea{width:100%;min-height:54px}input[type=number]{width:70px}
button{font:inherit;padding:4px 11px;border-radius:6px;border:1px solid var(--line);background:#fff;cursor:pointer}
button.primary{background:var(--accent);border-color:var(--accent);color:#fff}button.danger{color:var(--bad);border-color:#f4b4ad}
button:disabled{opacity:.5;cursor:default}form.inline{display:inline-flex;gap:6px;align-items:center;margin:0}
.columns{display:flex;gap:10px;overflow-x:auto;align-items:flex-start;padding-bottom:8px}
.column{min-width:205px;width:205px;flex:0 0 auto;background:#eceff3;border-radius:8px;padding:6px}
.column h3{font-size:13px;margin:2px 4px 6px;text-transform:uppercase;letter-spacing:.04em;color:#475467}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:6px 8px;margin:0 0 6px}
.card .t{font-weight:600;display:block;margin:1px 0 3px;overflow-wrap:anywhere}.card .meta{font-size:11.5px;color:var(--muted);display:flex;gap:8px;flex-wrap:wrap}
.card input[type=checkbox]{float:right;margin:2px 0 0 4px}.more{font-size:12px;padding:2px 4px}
.filters{display:flex;gap:8px;flex-wrap:wrap;align-items:center;margin-bottom:10px}
table{border-collapse:collapse;width:100%;background:var(--card)}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top;font-size:13px}
th{font-weight:600;color:#475467;background:#f9fafb}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.timeline{list-style:none;padding:0;margin:0}.timeline li{padding:3px 0;border-bottom:1px dashed var(--line);font-size:13px}
.flash{position:fixed;right:16px;bottom:16px;background:#111827;color:#fff;padding:8px 12px;border-radius:8px;max-width:480px;z-index:9}
.flash.bad{background:var(--bad)}.empty{color:var(--muted);font-style:italic;padding:4px 0}
.bulk{position:sticky;top:0;z-index:2;background:var(--bg);padding:6px 0}
.login{max-width:420px;margin:12vh auto;background:var(--card);padding:22px;border-radius:10px;border:1px solid var(--line)}
.login input{width:100%;margin:8px 0 12px}.bars rect{fill:var(--accent)}.bars rect.bad{fill:var(--bad)}.bars text{font-size:10px;fill:var(--muted)}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:6px 0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}
`;
