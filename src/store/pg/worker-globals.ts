// Loaded by the bridge worker before `pg`. pg picks its socket implementation when it loads, asking whether it runs in a
// Cloudflare Worker: through `navigator.userAgent`, else by constructing a `Response` — which loads undici, whose HTTP
// parser needs WebAssembly, and babysitters run under V8's --lite-mode (src/runner/detach.ts), where there is none:
// the worker died there. Node 20 has no `navigator` global (21+ has): the worker gets Node 21's, so pg never reaches
// for Response. Only the worker's own global scope is touched.
const scope = globalThis as { navigator?: unknown };
if (scope.navigator === undefined) {
  Object.defineProperty(globalThis, 'navigator', {
    value: { userAgent: `Node.js/${process.versions.node.split('.')[0]}` },
    configurable: true,
    writable: true,
  });
}
