// A malformed request to any handler the McpServer registers is JSON-RPC InvalidParams naming the field, not InternalError.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { getLiteralValue, getObjectShape, safeParse, type AnyObjectSchema } from '@modelcontextprotocol/sdk/server/zod-compat.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

type SetRequestHandler = McpServer['server']['setRequestHandler'];

/** The first zod issue as one line: `params.uri: Invalid input: expected string, received undefined`. */
function firstIssue(error: unknown): string {
  const issue = (error as { issues?: Array<{ path?: PropertyKey[]; message?: string }> })?.issues?.[0];
  if (!issue) return 'the request does not match its method';
  const path = (issue.path ?? []).map(String).join('.');
  return `${path ? `${path}: ` : ''}${issue.message ?? 'invalid'}`;
}

/**
 * The SDK parses a request with its method's schema before the handler runs and answers a mismatch (resources/read
 * without a uri, prompts/get with a number for an argument, tools/list with a numeric cursor) as InternalError
 * (-32603) whose message is the raw zod issue dump (and a uri that is no URI as InternalError "Invalid URL"). From this call on, every handler registered on `server` is
 * registered under a schema that checks the method alone; the method's own schema is checked in the handler, and a
 * mismatch is InvalidParams (-32602) with its first issue in one line. Call it before registering anything.
 */
export function answerMalformedAsInvalidParams(server: McpServer): void {
  const inner = server.server;
  const register = inner.setRequestHandler.bind(inner) as (schema: AnyObjectSchema, handler: (request: unknown, extra: unknown) => unknown) => void;
  inner.setRequestHandler = ((schema: AnyObjectSchema, handler: (request: unknown, extra: unknown) => unknown) => {
    const method = getLiteralValue(getObjectShape(schema)?.method as never);
    // tools/call has its own envelope (server.ts): the SDK's Server checks a tools/call request before its handler runs.
    if (typeof method !== 'string' || method === 'tools/call') return register(schema, handler);
    register(z.looseObject({ method: z.literal(method) }) as unknown as AnyObjectSchema, (request, extra) => {
      const parsed = safeParse(schema, request);
      if (!parsed.success) throw new McpError(ErrorCode.InvalidParams, `Invalid params: ${method}: ${firstIssue(parsed.error)}`);
      // resources/read reads its uri with `new URL`, which throws on text that is no URI.
      return Promise.resolve()
        .then(() => handler(parsed.data, extra))
        .catch((err: unknown) => {
          if ((err as { code?: unknown })?.code === 'ERR_INVALID_URL') throw new McpError(ErrorCode.InvalidParams, `Invalid params: ${method}: not a URI`);
          throw err;
        });
    });
  }) as unknown as SetRequestHandler;
}
