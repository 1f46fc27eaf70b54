// Looks up an agent profile by name without touching the schema module (zod stays off the claim path).
import type { AgentProfile, Config } from './schema.js';

/** The agent profile named `name`, or undefined (an own key only: "constructor" or "__proto__" is no profile). */
export function profileOf(config: Config, name: string): AgentProfile | undefined {
  return Object.hasOwn(config.agents, name) ? config.agents[name] : undefined;
}
