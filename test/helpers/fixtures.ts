// Where the test fixtures live, resolved from the source tree (they are not compiled into dist/).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// This file runs as dist/test/helpers/fixtures.js; the fixtures stay in test/fixtures/.
const FIXTURES = new URL('../../../test/fixtures/', import.meta.url);

/** Absolute path of the executable fake CLI script. */
export const FAKE_CLI_PATH = fileURLToPath(new URL('fake-cli.mjs', FIXTURES));
/** Absolute path of the samples directory. */
export const SAMPLES_DIR = fileURLToPath(new URL('samples/', FIXTURES));

/** One replayable case: which files to print and the exit code. */
export interface SampleCase {
  stdout?: string;
  stderr?: string;
  exit: number;
  recorded?: boolean;
}

/** The manifest: CLI → mode → case. */
export type SampleCases = Record<string, Record<string, SampleCase>>;

/** Reads one sample file. */
export function readSample(name: string): string {
  return readFileSync(new URL(`samples/${name}`, FIXTURES), 'utf8');
}

/** Reads samples/cases.json. */
export function loadCases(): SampleCases {
  return JSON.parse(readSample('cases.json')) as SampleCases;
}

/** The RunOutput a runner would capture when the CLI printed `c`. */
export function runOutputOf(c: SampleCase): { stdout: string; stderr: string; exitCode: number } {
  return { stdout: c.stdout ? readSample(c.stdout) : '', stderr: c.stderr ? readSample(c.stderr) : '', exitCode: c.exit };
}
