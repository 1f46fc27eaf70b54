import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import type { z } from 'zod';
import {
  CONFIG_ENV_VARS,
  envConfigLayer,
  flagsConfigLayer,
  mergeConfigLayers,
  parseConfigText,
  readConfigLayer,
} from '../src/config/config-layers.js';
import { defaultConfigText, generateToken } from '../src/config/default-config.js';
import { RETRY_KNOBS, childEnv } from '../src/runner/child-env.js';
import { CONFIG_FILE, loadConfig } from '../src/config/load-config.js';
import {
  acceptPolicy,
  AGENT_CLIS,
  backoffPolicyOf,
  configSchema,
  defaultConfig,
  resolveWorkdir,
  TRIAGE_SOURCES,
  type Config,
} from '../src/config/schema.js';
import { StewardError } from '../src/core/errors.js';

const FILE = '/ws/.steward/config.yaml';
const TOKENS = {
  planner: 'plannerTOKEN_0123456789abcdef',
  worker: 'workerTOKEN_0123456789abcdef',
  triage: 'triageTOKEN_0123456789abcdef',
};

const DEFAULTS: Config = {
  heartbeat: { everySeconds: 10 },
  up: { spares: 1 },
  triage: { accept: 'manual', sources: { human: 'auto', 'mcp:triage': 'auto' } },
  projects: {},
  agents: {},
  accounts: {},
  routing: [],
  wip: { global: 4, perAgent: {}, perProject: {} },
  dispatch: 'local',
  handoffLeaseSeconds: 180,
  retry: { baseSeconds: 10, factor: 2, capSeconds: 3600, jitter: 0.5, rateLimitStrikeAfter: 5 },
  mcp: { host: '127.0.0.1', port: 7410, tokens: {}, allowedHosts: [], headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, idleTimeoutMs: 5_000, maxConnections: 64 },
  notify: { timeoutSeconds: 30 },
  schedules: {},
  budgets: { timezone: 'UTC', limits: [] },
  database: { schema: 'steward' },
  board: { doneLimit: 10, path: 'TASKS.md' },
};

/** Runs `fn`, expecting a StewardError; returns it. */
function caught(fn: () => unknown): StewardError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof StewardError, `expected a StewardError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected an error');
}

const tempDirs: string[] = [];
function tempWorkspace(configText?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'steward-config-'));
  tempDirs.push(root);
  if (configText !== undefined) {
    mkdirSync(join(root, '.steward'));
    writeFileSync(join(root, CONFIG_FILE), configText);
  }
  return root;
}
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe('config defaults', () => {
  test('an empty object gets every default', () => {
    assert.deepEqual(defaultConfig(), DEFAULTS);
  });

  test('an empty file, a comment-only file and empty sections all mean the defaults', () => {
    assert.deepEqual(parseConfigText('', FILE), DEFAULTS);
    assert.deepEqual(parseConfigText('# nothing here\n\n', FILE), DEFAULTS);
    assert.deepEqual(parseConfigText('heartbeat:\nagents:\nwip:\n  perAgent:\nnotify:\n', FILE), DEFAULTS);
  });

  test('an agent profile gets its defaults', () => {
    const config = parseConfigText('agents:\n  coder:\n    cli: claude\n', FILE);
    assert.deepEqual(config.agents.coder, {
      cli: 'claude',
      types: ['code'],
      capabilities: [],
      args: [],
      env: {},
      maxConcurrent: 1,
      fallback: [],
      timeoutSeconds: 1800,
      stallSeconds: 300,
      leaseSeconds: 300,
      logMaxMb: 100,
    });
  });

  test('every field of the schema has a description', () => {
    const missing: string[] = [];
    walkDescriptions(configSchema, '', missing);
    assert.deepEqual(missing, []);
  });
});

/** Collects the dotted paths of object fields that have no .describe(). */
function walkDescriptions(schema: z.ZodType, path: string, missing: string[]): void {
  let node = schema as unknown as { _zod: { def: Record<string, unknown> } };
  for (let i = 0; i < 20; i++) {
    const def = node._zod.def;
    if ('innerType' in def) node = def.innerType as typeof node;
    else if (def.type === 'pipe') node = ((def.out as typeof node)._zod.def.type === 'transform' ? def.in : def.out) as typeof node;
    else break;
  }
  const def = node._zod.def;
  if (def.type === 'object') {
    for (const [key, field] of Object.entries(def.shape as Record<string, z.ZodType>)) {
      const here = path ? `${path}.${key}` : key;
      if (!field.description) missing.push(here);
      walkDescriptions(field, here, missing);
    }
  } else if (def.type === 'record') {
    walkDescriptions(def.valueType as z.ZodType, `${path}.<name>`, missing);
  }
}

describe('config layers: defaults < file < env < flags', () => {
  const fileText = [
    'heartbeat: {everySeconds: 30}',
    'dispatch: none',
    'wip: {global: 8}',
    'mcp: {port: 8000, host: 0.0.0.0}',
    'triage: {accept: manual}',
    'agents:',
    '  coder: {cli: claude, args: [a, b], model: sonnet}',
    '',
  ].join('\n');

  test('the file overrides the defaults and keeps the defaults it does not mention', () => {
    const config = parseConfigText(fileText, FILE);
    assert.equal(config.heartbeat.everySeconds, 30);
    assert.equal(config.dispatch, 'none');
    assert.equal(config.wip.global, 8);
    assert.deepEqual(config.wip.perAgent, {});
    assert.equal(config.mcp.port, 8000);
    assert.equal(config.mcp.host, '0.0.0.0');
    assert.deepEqual(config.retry, DEFAULTS.retry);
    assert.deepEqual(config.board, DEFAULTS.board);
  });

  test('each STEWARD_* variable overrides the file', () => {
    const cases: [keyof typeof CONFIG_ENV_VARS, string, (c: Config) => unknown, unknown][] = [
      ['STEWARD_HEARTBEAT_SECONDS', '5', (c) => c.heartbeat.everySeconds, 5],
      ['STEWARD_TRIAGE_ACCEPT', 'auto', (c) => c.triage.accept, 'auto'],
      ['STEWARD_DISPATCH', 'openclaw', (c) => c.dispatch, 'openclaw'],
      ['STEWARD_WIP_GLOBAL', '12', (c) => c.wip.global, 12],
      ['STEWARD_MCP_HOST', '10.0.0.2', (c) => c.mcp.host, '10.0.0.2'],
      ['STEWARD_MCP_PORT', ' 9000 ', (c) => c.mcp.port, 9000],
      ['STEWARD_NOTIFY_WEBHOOK', 'https://hooks.example.com/x', (c) => c.notify.webhook, 'https://hooks.example.com/x'],
      ['STEWARD_BOARD_PATH', 'docs/BOARD.md', (c) => c.board.path, 'docs/BOARD.md'],
    ];
    assert.equal(cases.length, Object.keys(CONFIG_ENV_VARS).length, 'every mapped variable has a case');
    for (const [name, value, pick, expected] of cases) {
      const config = mergeConfigLayers([readConfigLayer(fileText, FILE), envConfigLayer({ [name]: value })]);
      assert.deepEqual(pick(config), expected, name);
    }
  });

  test('empty and unrelated environment variables change nothing', () => {
    const config = mergeConfigLayers([
      readConfigLayer(fileText, FILE),
      envConfigLayer({ STEWARD_MCP_PORT: '', STEWARD_DISPATCH: '  ', STEWARD_DIR: '/x', PATH: '/bin' }),
    ]);
    assert.deepEqual(config, parseConfigText(fileText, FILE));
  });

  test('STEWARD_MCP_TOKEN_<ROLE> adds a token with that role', () => {
    const config = mergeConfigLayers([
      readConfigLayer(`mcp: {tokens: {${TOKENS.planner}: {role: planner}}}\n`, FILE),
      envConfigLayer({ STEWARD_MCP_TOKEN_WORKER: TOKENS.worker, STEWARD_MCP_TOKEN_TRIAGE: TOKENS.triage }),
    ]);
    assert.deepEqual(config.mcp.tokens, {
      [TOKENS.planner]: { role: 'planner' },
      [TOKENS.worker]: { role: 'worker', name: 'env:STEWARD_MCP_TOKEN_WORKER' },
      [TOKENS.triage]: { role: 'triage', name: 'env:STEWARD_MCP_TOKEN_TRIAGE' },
    });
  });

  test('flags override the environment, which overrides the file', () => {
    const layers = [readConfigLayer(fileText, FILE), envConfigLayer({ STEWARD_MCP_PORT: '9000', STEWARD_WIP_GLOBAL: '2' })];
    const withoutFlags = mergeConfigLayers(layers);
    assert.equal(withoutFlags.mcp.port, 9000);
    const config = mergeConfigLayers([...layers, flagsConfigLayer({ mcp: { port: 9100 } })]);
    assert.equal(config.mcp.port, 9100);
    assert.equal(config.mcp.host, '0.0.0.0', 'a flag on one key keeps its siblings from the file');
    assert.equal(config.wip.global, 2, 'env still beats the file where no flag is given');
  });

  test('mappings merge key by key; lists replace', () => {
    const config = mergeConfigLayers([
      readConfigLayer(fileText, FILE),
      flagsConfigLayer({ agents: { coder: { model: 'opus', args: ['c'] }, helper: { cli: 'codex' } } }),
    ]);
    assert.equal(config.agents.coder?.cli, 'claude');
    assert.equal(config.agents.coder?.model, 'opus');
    assert.deepEqual(config.agents.coder?.args, ['c']);
    assert.equal(config.agents.helper?.cli, 'codex');
  });

  test('an empty value in a later layer does not unset an earlier one', () => {
    const config = mergeConfigLayers([readConfigLayer(fileText, FILE), flagsConfigLayer({ mcp: { port: undefined } })]);
    assert.equal(config.mcp.port, 8000);
  });
});

describe('config helpers', () => {
  test('acceptPolicy: built-in source defaults', () => {
    const config = defaultConfig();
    const expected = { human: 'auto', cli: 'manual', file: 'manual', 'mcp:planner': 'manual', 'mcp:worker': 'manual', 'mcp:triage': 'auto' };
    assert.deepEqual(Object.fromEntries(TRIAGE_SOURCES.map((s) => [s, acceptPolicy(config, s)])), expected);
  });

  test('acceptPolicy: triage.accept is the fallback, a source entry wins', () => {
    const config = parseConfigText('triage:\n  accept: auto\n  sources: {file: manual, human: manual}\n', FILE);
    assert.equal(acceptPolicy(config, 'file'), 'manual');
    assert.equal(acceptPolicy(config, 'human'), 'manual');
    assert.equal(acceptPolicy(config, 'cli'), 'auto');
    assert.equal(acceptPolicy(config, 'mcp:planner'), 'auto');
    assert.equal(acceptPolicy(config, 'mcp:triage'), 'auto');
  });

  test('resolveWorkdir: relative to the root, absolute kept, default = root, unknown refused', () => {
    const config = parseConfigText('projects:\n  web: {workdir: ../web}\n  api: {workdir: /srv/api/}\n  here: {workdir: .}\n', FILE);
    assert.equal(resolveWorkdir(config, '/ws/main', 'web'), resolve('/ws/web'));
    assert.equal(resolveWorkdir(config, '/ws/main', 'api'), '/srv/api');
    assert.equal(resolveWorkdir(config, '/ws/main', 'here'), '/ws/main');
    assert.equal(resolveWorkdir(config, '/ws/main', 'default'), '/ws/main');
    const err = caught(() => resolveWorkdir(config, '/ws/main', 'mobile'));
    assert.equal(err.code, 'NOT_FOUND');
    assert.match(err.message, /projects\.mobile\.workdir/);
    assert.equal(caught(() => resolveWorkdir(config, '/ws', 'toString')).code, 'NOT_FOUND');
  });

  test('resolveWorkdir: a configured "default" project wins over the root', () => {
    const config = parseConfigText('projects: {default: {workdir: app}}\n', FILE);
    assert.equal(resolveWorkdir(config, '/ws', 'default'), '/ws/app');
  });

  test('backoffPolicyOf converts seconds to milliseconds', () => {
    const config = parseConfigText('retry: {baseSeconds: 1.5, factor: 3, capSeconds: 60, jitter: 0}\n', FILE);
    assert.deepEqual(backoffPolicyOf(config), { baseMs: 1500, factor: 3, capMs: 60_000, jitter: 0, rateLimitStrikeAfter: 5, accounts: {} });
  });
});

describe('bad config: the error names the file, the key path and what was expected', () => {
  const T = TOKENS.planner;
  const cases: [string, string, string, RegExp][] = [
    ['agent maxConcurrent not a number', 'agents:\n  coder:\n    cli: claude\n    maxConcurrent: two\n', 'agents.coder.maxConcurrent', /expected a number, got "two"/],
    ['agent maxConcurrent zero', 'agents: {coder: {cli: claude, maxConcurrent: 0}}', 'agents.coder.maxConcurrent', /must be >= 1, got 0/],
    ['agent maxConcurrent fraction', 'agents: {coder: {cli: claude, maxConcurrent: 1.5}}', 'agents.coder.maxConcurrent', /expected an integer, got 1.5/],
    ['misspelt agent key', 'agents: {coder: {cli: claude, maxConcurent: 2}}', 'agents.coder.maxConcurent', /unknown key \(did you mean maxConcurrent\?\)/],
    ['snake_case agent key', 'agents: {coder: {cli: claude, timeout_seconds: 2}}', 'agents.coder.timeout_seconds', /did you mean timeoutSeconds\?/],
    ['unknown cli', 'agents: {coder: {cli: cursor}}', 'agents.coder.cli', /expected claude \| codex \| gemini \| opencode \| qwen \| aider \| command, got "cursor"/],
    ['missing cli', 'agents: {coder: {model: x}}', 'agents.coder.cli', /required: expected claude \|/],
    ['empty agent', 'agents:\n  coder:\n', 'agents.coder', /required: expected a mapping/],
    ['cli command without command', 'agents: {s: {cli: command}}', 'agents.s.command', /required when cli is command/],
    ['cli command with empty command', 'agents: {s: {cli: command, command: []}}', 'agents.s.command', /required when cli is command/],
    ['command on a non-command cli', 'agents: {c: {cli: claude, command: [x]}}', 'agents.c.command', /only used when cli is command/],
    ['unknown placeholder', 'agents: {s: {cli: command, command: [run, "{promt}"]}}', 'agents.s.command[1]', /unknown placeholder \{promt\}/],
    ['empty command word', 'agents: {s: {cli: command, command: [run, ""]}}', 'agents.s.command[1]', /empty argument/],
    ['bad env name', 'agents: {c: {cli: claude, env: {BAD-NAME: x}}}', 'agents.c.env.BAD-NAME', /not an environment variable name/],
    ['env value a list', 'agents: {c: {cli: claude, env: {A: [1]}}}', 'agents.c.env.A', /expected a string, got a list/],
    ['no types', 'agents: {c: {cli: claude, types: []}}', 'agents.c.types', /must have at least 1 item/],
    ['type with a space', 'agents: {c: {cli: claude, types: [big code]}}', 'agents.c.types[0]', /no spaces/],
    ['lease too short', 'agents: {c: {cli: claude, leaseSeconds: 1}}', 'agents.c.leaseSeconds', /must be >= 5/],
    ['agent name with a space', 'agents: {"my coder": {cli: claude}}', 'agents["my coder"]', /bad name: .*no spaces/],
    ['agent named any', 'agents: {any: {cli: claude}}', 'agents.any', /reserved/],
    ['codex sandbox twice', 'agents: {c: {cli: codex, args: [-s, workspace-write, --sandbox, read-only]}}', 'agents.c.args', /args set the permission mode 2 times \(-s, --sandbox\); codex takes it once/],
    ['gemini approval mode twice', 'agents: {g: {cli: gemini, args: [--approval-mode, yolo, --approval-mode=yolo]}}', 'agents.g.args', /permission mode 2 times \(--approval-mode, --approval-mode\)/],
    ['gemini --yolo and --approval-mode', 'agents: {g: {cli: gemini, args: [--yolo, --approval-mode, yolo]}}', 'agents.g.args', /permission mode 2 times \(--yolo, --approval-mode\)/],
    ['model in both places', 'agents: {c: {cli: claude, model: a, args: [--model, b]}}', 'agents.c.args', /both model: and args \(--model\) set the model/],
    ['permissions in both places', 'agents: {c: {cli: claude, permissions: bypass, args: [--permission-mode, plan]}}', 'agents.c.args', /both permissions: and args \(--permission-mode\)/],
    ['unknown permission mode', 'agents: {c: {cli: claude, permissions: yolo}}', 'agents.c.permissions', /expected bypass \| acceptEdits \| default, got "yolo"/],
    ['permissions on a command', 'agents: {s: {cli: command, command: [x], permissions: bypass}}', 'agents.s.permissions', /not used with cli: command/],
    ['permissions on opencode', 'agents: {o: {cli: opencode, permissions: bypass}}', 'agents.o.permissions', /opencode has no permission flag/],
    ['agents a list', 'agents: [claude]', 'agents', /expected a mapping, got a list/],
    ['heartbeat negative', 'heartbeat: {everySeconds: -1}', 'heartbeat.everySeconds', /must be >= 1, got -1/],
    ['misspelt section', 'heartbeet: {everySeconds: 5}', 'heartbeet', /did you mean heartbeat\?/],
    ['misspelt empty section', 'agnets:\n', 'agnets', /did you mean agents\?/],
    ['unknown section', 'plugins: {}', 'plugins', /unknown key \(expected one of heartbeat, triage/],
    ['triage accept word', 'triage: {accept: sometimes}', 'triage.accept', /expected auto \| manual, got "sometimes"/],
    ['triage unknown source', 'triage: {sources: {email: auto}}', 'triage.sources.email', /unknown key/],
    ['triage misspelt source', 'triage: {sources: {"mcp:planer": auto}}', 'triage.sources.mcp:planer', /did you mean mcp:planner\?/],
    ['triage source value', 'triage: {sources: {file: yes}}', 'triage.sources.file', /expected auto \| manual, got "yes"/],
    ['project without workdir', 'projects: {web: {agent: any}}', 'projects.web.workdir', /required: expected a string/],
    ['project workdir with ~', 'projects: {web: {workdir: ~/web}}', 'projects.web.workdir', /~ path is not expanded/],
    ['project agent unknown', 'projects: {web: {workdir: ., agent: ghost}}', 'projects.web.agent', /no agent profile "ghost"/],
    ['project misspelt key', 'projects: {web: {workdir: ., wokrdir: x}}', 'projects.web.wokrdir', /did you mean workdir\?/],
    ['wip global word', 'wip: {global: many}', 'wip.global', /expected a number, got "many"/],
    ['wip per agent unknown', 'agents: {coder: {cli: claude}}\nwip: {perAgent: {codr: 1}}', 'wip.perAgent.codr', /no agent profile "codr"; expected one of coder/],
    ['wip per project negative', 'wip: {perProject: {web: -1}}', 'wip.perProject.web', /must be >= 0/],
    ['dispatch word', 'dispatch: remote', 'dispatch', /expected local \| openclaw \| none, got "remote"/],
    ['retry jitter above 1', 'retry: {jitter: 2}', 'retry.jitter', /must be <= 1, got 2/],
    ['retry factor below 1', 'retry: {factor: 0.5}', 'retry.factor', /must be >= 1, got 0.5/],
    ['retry cap below base', 'retry: {baseSeconds: 100, capSeconds: 10}', 'retry.capSeconds', /must be >= retry.baseSeconds/],
    ['mcp port too high', 'mcp: {port: 70000}', 'mcp.port', /must be <= 65535, got 70000/],
    ['mcp port a word', 'mcp: {port: http}', 'mcp.port', /expected a number, got "http"/],
    ['mcp token role', `mcp: {tokens: {${T}: {role: admin}}}`, 'mcp.tokens["plan…"].role', /expected planner \| worker \| triage \| viewer, got "admin"/],
    ['mcp token extra key', `mcp: {tokens: {${T}: {role: worker, rol: x}}}`, 'mcp.tokens["plan…"].rol', /did you mean role\?/],
    ['mcp token as a string', `mcp: {tokens: {${T}: planner}}`, 'mcp.tokens["plan…"]', /expected a mapping, got "planner"/],
    ['notify webhook not http', 'notify: {webhook: "ftp://example.com/x"}', 'notify.webhook', /http:\/\/ or https:\/\/ URL/],
    ['notify webhook not a URL', 'notify: {webhook: "not a url"}', 'notify.webhook', /http:\/\/ or https:\/\/ URL/],
    ['notify empty command', 'notify: {command: []}', 'notify.command', /must have at least 1 item/],
    ['notify command a string', 'notify: {command: "notify-send x"}', 'notify.command', /expected a list, got "notify-send x"/],
    ['board doneLimit negative', 'board: {doneLimit: -1}', 'board.doneLimit', /must be >= 0/],
    ['board misspelt key', 'board: {paht: x.md}', 'board.paht', /did you mean path\?/],
    ['database url not postgres', 'database: {url: mysql://x}', 'database.url', /postgres:\/\/ or postgresql:\/\//],
    ['board empty path', 'board: {path: ""}', 'board.path', /must not be empty/],
  ];
  for (const [name, text, path, expected] of cases) {
    test(name, () => {
      const err = caught(() => parseConfigText(text, FILE));
      assert.equal(err.code, 'VALIDATION');
      const issues = err.details.issues as { path: string; message: string; source: string }[];
      assert.equal(issues.length, 1, `one issue: ${err.message}`);
      assert.equal(issues[0]!.path, path);
      assert.match(issues[0]!.message, expected);
      assert.ok(issues[0]!.source.startsWith(`${FILE}:`), `source has a line: ${issues[0]!.source}`);
      assert.ok(err.message.includes(`${FILE}:`), err.message);
      assert.ok(err.message.includes(`: ${path}: `), err.message);
    });
  }

  test('the location is the line and column of the bad key', () => {
    const err = caught(() => parseConfigText('dispatch: local\nagents:\n  coder:\n    cli: claude\n    maxConcurrent: two\n', FILE));
    assert.equal(err.message, `invalid config: ${FILE}:5:5: agents.coder.maxConcurrent: expected a number, got "two"`);
  });

  test('every bad key is reported at once', () => {
    const err = caught(() => parseConfigText('dispatch: remote\nwip: {global: -2}\nboard: {paht: x}\n', FILE));
    const issues = err.details.issues as { path: string; source: string }[];
    assert.deepEqual(
      issues.map((i) => [i.path, i.source]).sort(),
      [
        ['board.paht', `${FILE}:3:9`],
        ['dispatch', `${FILE}:1:1`],
        ['wip.global', `${FILE}:2:7`],
      ],
    );
  });

  test('a token is never printed whole in an error', () => {
    const secret = 'abcdefghij'; // too short: rejected
    const err = caught(() => parseConfigText(`mcp: {tokens: {${secret}: {role: worker}}}`, FILE));
    assert.match(err.message, /mcp\.tokens\["abcd…"\]: bad name: token is shorter than 16 characters/);
    assert.ok(!err.message.includes(secret));
    assert.ok(!JSON.stringify(err.details).includes(secret));
  });

  test('"__proto__" is an unknown key, not a prototype change', () => {
    const err = caught(() => parseConfigText('__proto__: {polluted: true}\n', FILE));
    assert.equal((err.details.issues as { path: string }[])[0]!.path, '__proto__');
    const err2 = caught(() => parseConfigText('agents:\n  __proto__: {cli: claude}\n', FILE));
    assert.equal(err2.message, `invalid config: ${FILE}:2:3: agents.__proto__: "__proto__" is not allowed as a key`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('an error from the environment names the variable', () => {
    const err = caught(() => mergeConfigLayers([readConfigLayer('mcp: {port: 80}\n', FILE), envConfigLayer({ STEWARD_MCP_PORT: 'eighty' })]));
    assert.equal(err.message, 'invalid config: STEWARD_MCP_PORT: mcp.port: expected a number, got "eighty"');
  });

  test('an error from a short env token names the variable and hides the token', () => {
    const err = caught(() => mergeConfigLayers([envConfigLayer({ STEWARD_MCP_TOKEN_PLANNER: 'short-token' })]));
    assert.match(err.message, /^invalid config: STEWARD_MCP_TOKEN_PLANNER: mcp\.tokens\["shor…"\]: bad name/);
    assert.ok(!err.message.includes('short-token'));
  });

  test('an error from flags says flags', () => {
    const err = caught(() =>
      mergeConfigLayers([readConfigLayer('mcp: {port: 80}\n', FILE), envConfigLayer({ STEWARD_MCP_PORT: '81' }), flagsConfigLayer({ mcp: { port: 'x' } })]),
    );
    assert.equal(err.message, 'invalid config: flags: mcp.port: expected a number, got "x"');
    assert.equal(caught(() => flagsConfigLayer(['not', 'an', 'object'])).code, 'VALIDATION');
  });

  test('a value the file set wrong is blamed on the file even when env sets a sibling', () => {
    const err = caught(() => mergeConfigLayers([readConfigLayer('mcp:\n  port: 0x\n', FILE), envConfigLayer({ STEWARD_MCP_HOST: 'h' })]));
    assert.equal(err.message, `invalid config: ${FILE}:2:3: mcp.port: expected a number, got "0x"`);
  });

  test('openclaw dispatch allows agent names that are no local profile', () => {
    const config = parseConfigText('dispatch: openclaw\nwip: {perAgent: {main: 2}}\nprojects: {web: {workdir: ., agent: main}}\n', FILE);
    assert.equal(config.wip.perAgent.main, 2);
    assert.equal(config.projects.web?.agent, 'main');
  });
});

describe('bad YAML: PARSE_ERROR with line and column', () => {
  const cases: [string, string, number, number, RegExp][] = [
    ['duplicate key', 'dispatch: local\ndispatch: none\n', 2, 1, /Map keys must be unique/],
    ['unclosed flow list', 'agents:\n  c: {cli: claude, args: [a\nwip: {}\n', 3, 1, /Flow/],
    ['bad indentation', 'wip:\n  global: 1\n perAgent: {}\n', 3, 1, /same column|indent/i],
    ['tab indentation', 'wip:\n\tglobal: 1\n', 2, 1, /tab/i],
    ['two documents', 'dispatch: local\n---\ndispatch: none\n', 2, 1, /multiple documents/],
    ['unknown tag', 'dispatch: !!js/function "x"\n', 1, 11, /Unresolved tag/],
  ];
  for (const [name, text, line, column, expected] of cases) {
    test(name, () => {
      const err = caught(() => parseConfigText(text, FILE));
      assert.equal(err.code, 'PARSE_ERROR');
      assert.equal(err.details.line, line, err.message);
      assert.equal(err.details.column, column, err.message);
      assert.ok(err.message.startsWith(`invalid YAML in ${FILE}:${line}:${column}: `), err.message);
      assert.match(err.message, expected);
    });
  }

  test('a top level that is not a mapping is a VALIDATION error naming the file', () => {
    for (const text of ['- a\n- b\n', 'just words\n', '42\n']) {
      const err = caught(() => parseConfigText(text, FILE));
      assert.equal(err.code, 'VALIDATION');
      assert.match(err.message, new RegExp(`^invalid config in ${FILE}: expected a mapping`));
    }
  });
});

describe('loadConfig (real files)', () => {
  test('no .steward/config.yaml → all defaults', () => {
    assert.deepEqual(loadConfig({ root: tempWorkspace(), env: {} }), DEFAULTS);
    assert.deepEqual(loadConfig({ root: tempWorkspace(), env: {}, flags: {} }), DEFAULTS);
  });

  test('reads the file, then env, then flags', () => {
    const root = tempWorkspace('heartbeat: {everySeconds: 20}\nmcp: {port: 8000}\nwip: {global: 6}\n');
    assert.equal(loadConfig({ root, env: {} }).heartbeat.everySeconds, 20);
    const config = loadConfig({
      root,
      env: { STEWARD_HEARTBEAT_SECONDS: '15', STEWARD_MCP_PORT: '8100' },
      flags: { mcp: { port: 8200 } },
    });
    assert.equal(config.heartbeat.everySeconds, 15);
    assert.equal(config.mcp.port, 8200);
    assert.equal(config.wip.global, 6);
  });

  test('a file with a byte order mark and CRLF lines reads the same', () => {
    const root = tempWorkspace('\uFEFFdispatch: none\r\nwip:\r\n  global: 3\r\n');
    const config = loadConfig({ root, env: {} });
    assert.equal(config.dispatch, 'none');
    assert.equal(config.wip.global, 3);
  });

  test('a bad file: VALIDATION naming the full file path, line and key', () => {
    const root = tempWorkspace('agents:\n  coder:\n    cli: claude\n    stallSeconds: soon\n');
    const err = caught(() => loadConfig({ root, env: {} }));
    assert.equal(err.code, 'VALIDATION');
    assert.equal(err.message, `invalid config: ${join(root, CONFIG_FILE)}:4:5: agents.coder.stallSeconds: expected a number, got "soon"`);
  });

  test('bad YAML in the file: PARSE_ERROR naming the full file path', () => {
    const root = tempWorkspace('wip: {global: 1\n');
    const err = caught(() => loadConfig({ root, env: {} }));
    assert.equal(err.code, 'PARSE_ERROR');
    assert.ok(err.message.startsWith(`invalid YAML in ${join(root, CONFIG_FILE)}:`), err.message);
    assert.equal(err.details.file, join(root, CONFIG_FILE));
  });

  test('a config path that cannot be read (a directory) is UNAVAILABLE, not defaults', () => {
    const root = tempWorkspace();
    mkdirSync(join(root, CONFIG_FILE), { recursive: true });
    assert.equal(caught(() => loadConfig({ root, env: {} })).code, 'UNAVAILABLE');
  });
});

describe('default config text', () => {
  test('parses back to the defaults plus the three tokens', () => {
    const config = parseConfigText(defaultConfigText({ tokens: TOKENS }), FILE);
    assert.deepEqual(config, {
      ...DEFAULTS,
      mcp: {
        ...DEFAULTS.mcp,
        tokens: {
          [TOKENS.planner]: { role: 'planner', name: 'planner' },
          [TOKENS.worker]: { role: 'worker', name: 'worker' },
          [TOKENS.triage]: { role: 'triage', name: 'triage' },
        },
      },
    });
  });

  test('every section is present and commented', () => {
    const text = defaultConfigText({ tokens: TOKENS });
    for (const section of Object.keys(configSchema.shape)) {
      const at = text.indexOf(`\n${section}:`);
      assert.ok(at > 0, `section ${section} is present`);
      const before = text.slice(0, at).trimEnd().split('\n').at(-1)!;
      assert.ok(before.startsWith('#'), `section ${section} has a comment above it`);
    }
  });

  test('one commented example profile per CLI kind; enabling each parses to that profile', () => {
    const text = defaultConfigText({ tokens: TOKENS });
    for (const cli of AGENT_CLIS) assert.match(text, new RegExp(`^  #   cli: ${cli}\\b`, 'm'), cli);
    for (const cli of AGENT_CLIS) {
      const config = parseConfigText(defaultConfigText({ tokens: TOKENS, agents: [cli] }), FILE);
      const profiles = Object.values(config.agents);
      assert.equal(profiles.length, 1, cli);
      assert.equal(profiles[0]!.cli, cli);
    }
    const all = parseConfigText(defaultConfigText({ tokens: TOKENS, agents: AGENT_CLIS }), FILE);
    assert.deepEqual(Object.values(all.agents).map((a) => a.cli).sort(), [...AGENT_CLIS].sort());
    assert.deepEqual(all.agents.script?.command, ['./scripts/agent.sh', '{prompt}', '--task', '{task_id}', '--cwd', '{workdir}']);
    // The profile init enables when claude is on PATH keeps steward's retry knob (README: CLAUDE_CODE_MAX_RETRIES=1);
    // its env used to set "0", so a fresh workspace's Claude Code never retried a failed model call.
    assert.equal(childEnv({}, 'claude', all.agents.claude!.env, { root: '/w', runId: 1, taskId: 1 }).CLAUDE_CODE_MAX_RETRIES, RETRY_KNOBS.claude!.CLAUDE_CODE_MAX_RETRIES);
    assert.equal(RETRY_KNOBS.claude!.CLAUDE_CODE_MAX_RETRIES, '1');
  });

  test('no example enables bypass; every example, uncommented, parses and builds without a repeated flag', async () => {
    const { getAdapter } = await import('../src/core/adapters/index.js');
    const text = defaultConfigText({ tokens: TOKENS });
    const all = parseConfigText(text.split('\n').map((l) => l.replace(/^  # /, '  ')).join('\n'), FILE);
    for (const [name, profile] of Object.entries(all.agents)) {
      assert.notEqual(profile.permissions, 'bypass', name);
      const { args } = getAdapter(profile.cli).build(profile, { prompt: 'p', taskId: 1, workdir: '/w' });
      const flags = args.filter((a) => a.startsWith('-'));
      assert.deepEqual(flags, [...new Set(flags)], `${name}: ${args.join(' ')}`);
      assert.doesNotMatch(args.join(' '), /bypassPermissions|yolo|--yes-always|dangerously/, name);
    }
  });

  test('YAML merge keys (<<) and top-level x- anchors are accepted', () => {
    const text = 'x-base: &base {cli: codex, types: [code], maxConcurrent: 2}\nagents:\n  a:\n    <<: *base\n    model: m1\n  b: {<<: *base, cli: gemini}\n';
    const config = parseConfigText(text, FILE);
    assert.deepEqual([config.agents.a?.cli, config.agents.a?.model, config.agents.a?.maxConcurrent], ['codex', 'm1', 2]);
    assert.deepEqual([config.agents.b?.cli, config.agents.b?.maxConcurrent], ['gemini', 2]);
    assert.equal((config as Record<string, unknown>)['x-base'], undefined);
  });

  test('works with generated tokens, including ones starting with "-"', () => {
    const tokens = { planner: generateToken(), worker: `-${generateToken()}`, triage: generateToken() };
    const config = parseConfigText(defaultConfigText({ tokens }), FILE);
    assert.deepEqual(Object.values(config.mcp.tokens).map((t) => t.role), ['planner', 'worker', 'triage']);
    assert.deepEqual(Object.keys(config.mcp.tokens), [tokens.planner, tokens.worker, tokens.triage]);
  });

  test('a malformed token is refused', () => {
    const err = caught(() => defaultConfigText({ tokens: { ...TOKENS, worker: 'has spaces in it, too many' } }));
    assert.equal(err.code, 'VALIDATION');
    assert.match(err.message, /mcp\.tokens/);
  });

  test('loadConfig reads the written default file', () => {
    const root = tempWorkspace(defaultConfigText({ tokens: TOKENS, agents: ['claude'] }));
    const config = loadConfig({ root, env: {} });
    assert.equal(config.agents.claude?.maxConcurrent, 2);
    assert.equal(config.mcp.tokens[TOKENS.triage]?.role, 'triage');
  });

  test('generateToken: 32+ url-safe characters, random', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const token = generateToken();
      assert.match(token, /^[A-Za-z0-9_-]{32,}$/);
      seen.add(token);
    }
    assert.equal(seen.size, 200);
  });
});
