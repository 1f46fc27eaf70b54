// A node:test reporter that prints one closing line: "N passed, N failed, N skipped" (prefixed "postgres: " when
// scripts/run-tests.mjs --postgres ran the suite on PostgreSQL; it sets STEWARD_TEST_BACKEND_LABEL).
export default async function* summaryReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    // Count leaf tests only; suites report their own pass/fail too.
    if (event.data.details?.type === 'suite') continue;
    if (event.type === 'test:fail') failed++;
    else if (event.data.skip || event.data.todo) skipped++;
    else passed++;
  }
  const label = process.env.STEWARD_TEST_BACKEND_LABEL ? `${process.env.STEWARD_TEST_BACKEND_LABEL}: ` : '';
  yield `\n${label}${passed} passed, ${failed} failed, ${skipped} skipped\n`;
}
