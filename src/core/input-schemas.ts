// The zod input schemas (schemas.ts), reached without importing zod: the CLI's hot commands (list, show, claim,
// complete) validate plainly valid input by hand (fast-input.ts) and need zod only for anything else. schemas.ts
// registers itself here when it loads; whoever imports it (the MCP server, the ops that have no hand check, the
// library's index, the CLI before any other command) makes `schemas()` work. The CLI's hot commands run without it
// and, on SchemasNotLoaded, load it and run again (nothing was written: validation comes first).
import type * as Schemas from './schemas.js';

export type SchemaModule = typeof Schemas;

let loaded: SchemaModule | undefined;

/** Thrown by `schemas()` before schemas.ts has loaded: the caller loads it (`loadSchemas`) and tries again. */
export class SchemasNotLoaded extends Error {
  constructor() {
    super('the zod input schemas are not loaded (call loadSchemas() first)');
    this.name = 'SchemasNotLoaded';
  }
}

/** Called once by schemas.ts as it loads. */
export function registerSchemas(module: SchemaModule): void {
  loaded = module;
}

/** The schemas module; SchemasNotLoaded when nothing imported it yet. */
export function schemas(): SchemaModule {
  if (!loaded) throw new SchemasNotLoaded();
  return loaded;
}

/** Whether schemas.ts has loaded. */
export function schemasLoaded(): boolean {
  return loaded !== undefined;
}

/** Loads schemas.ts (and zod). */
export async function loadSchemas(): Promise<SchemaModule> {
  return (loaded ??= await import('./schemas.js'));
}
