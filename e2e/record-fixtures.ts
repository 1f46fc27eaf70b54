// `npm run e2e:fixtures`: records the real CLI outputs the adapters' unit tests replay for the cases issue 15 found
// (test/fixtures/samples/real/), with the CLIs pinned in e2e/package.json against the mock model:
//   claude  root-refusal       Claude Code as root with bypass and without IS_SANDBOX=1: exit 1, no stdout, the reason
//   qwen    e401               Qwen Code 0.15.10 reporting a 401 as `subtype: success`
//   qwen    e429, e500         Qwen Code 0.15.10 retrying, silent on stdout and stderr: its retry lines are in the
//                              session's debug log, kept as <sample>.debug.txt
//   gemini  e401               Gemini CLI's 401: exit 145, error JSON on stderr
//   gemini  e429-retrying      Gemini CLI's own 429 retry lines (its default loop, without steward's retry knob), cut
//                              after 45 s as steward's timeout would cut it
//   opencode ok, e429, e500    opencode 1.18.33 with its log on stderr (--print-logs): after 5 silent retries its
//                              `error` event carries the statusCode (and the 429's Retry-After header)
//   opencode e500-retrying     the same cut after 55 s, mid-retry, as a stall or timeout would cut it: only its
//                              "stream error" log lines say why
//   opencode db-race           three first starts at once on one fresh home: one loses the race to create opencode's
//                              own database (exit 1, no stdout, "Failed query: CREATE TABLE …" on stderr); shows on
//                              some tries only, so up to 10 fresh homes are tried
// Options: --only claude,qwen,opencode:db-race (a CLI, or CLI:sample)  --no-install is implied (run `npm run e2e:clis` once to install the CLIs).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { captureSample, type CaptureVariant } from './capture.js';
import { installedVersion, type CliName } from './clis.js';
import { startMockModel, type Scenario } from './mock-model.js';

interface Recording {
  cli: CliName;
  scenario: Scenario;
  timeoutMs: number;
  variant?: CaptureVariant;
  /** Why it cannot be recorded here, or undefined. */
  skip?: () => string | undefined;
}

const RECORDINGS: Recording[] = [
  {
    cli: 'claude',
    scenario: 'ok',
    timeoutMs: 60_000,
    variant: { name: 'root-refusal', dropEnv: ['IS_SANDBOX'] },
    skip: () => (process.getuid?.() === 0 ? undefined : 'Claude Code refuses bypass only when run as root'),
  },
  { cli: 'qwen', scenario: 'e401', timeoutMs: 120_000 },
  // Its retry lines, in its debug log (.debug.txt beside the sample), cut as steward's stall would cut them.
  { cli: 'qwen', scenario: 'e429', timeoutMs: 50_000 },
  { cli: 'qwen', scenario: 'e500', timeoutMs: 50_000 },
  { cli: 'gemini', scenario: 'e401', timeoutMs: 120_000 },
  { cli: 'gemini', scenario: 'e429', timeoutMs: 45_000, variant: { name: 'e429-retrying', dropEnv: ['GEMINI_CLI_SYSTEM_DEFAULTS_PATH'] } },
  { cli: 'opencode', scenario: 'ok', timeoutMs: 180_000 },
  { cli: 'opencode', scenario: 'e429', timeoutMs: 180_000 },
  { cli: 'opencode', scenario: 'e500', timeoutMs: 180_000 },
  { cli: 'opencode', scenario: 'e500', timeoutMs: 55_000, variant: { name: 'e500-retrying' } },
  {
    cli: 'opencode',
    scenario: 'ok',
    timeoutMs: 120_000,
    variant: {
      name: 'db-race',
      race: { copies: 3, tries: 10, wanted: (r) => r.exitCode !== null && r.exitCode !== 0 && r.stdout === '' && /^Failed query:/m.test(r.stderr) },
    },
  },
];

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { only: { type: 'string' } } });
  const only = values.only ? new Set(values.only.split(',')) : undefined;
  const root = mkdtempSync(join(tmpdir(), 'steward-fixtures-'));
  const mock = await startMockModel({ logFile: join(root, 'requests.jsonl'), lifetimeMs: 30 * 60_000 });
  let failed = 0;
  try {
    for (const r of RECORDINGS) {
      if (only && !only.has(r.cli) && !only.has(`${r.cli}:${r.variant?.name ?? r.scenario}`)) continue;
      const version = installedVersion(r.cli);
      const why = !version ? 'not installed (run npm run e2e:clis once)' : r.skip?.();
      if (why) {
        console.log(`skip ${r.cli} ${r.variant?.name ?? r.scenario}: ${why}`);
        continue;
      }
      try {
        console.log(`recorded ${await captureSample(r.cli, version!, r.scenario, root, mock.url, r.timeoutMs, undefined, r.variant)}`);
      } catch (err) {
        failed++;
        console.log(`FAIL ${r.cli} ${r.variant?.name ?? r.scenario}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  } finally {
    await mock.close();
    rmSync(root, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
