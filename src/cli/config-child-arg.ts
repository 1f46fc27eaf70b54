// `steward --config-child ROOT`: the CLI as a config child (src/config/config-apart.ts); not a command, not in `steward
// help`. Its own module so cli.ts (every command, `--version` too) reaches it without any config module.
export const CONFIG_CHILD_ARG = '--config-child';
