// Prompts that would break anything that quotes, escapes or re-splits them.

/** Shell metacharacters, quotes, newlines, unicode and a 100 KB body, in one string. */
export function hostilePrompt(): string {
  const header = [
    'Fix it: $(touch pwned) `touch pwned2` ${HOME} $HOME ~ *.ts',
    `"double" 'single' \\back\\slash \\" \\' -- --help -p`,
    'tab\there\r\nCRLF line\nünïcödé ✓ 🚀 {prompt} {task_id} {workdir} %s %d',
    '',
  ].join('\n');
  // Linux caps one argv element at 128 KiB (MAX_ARG_STRLEN); stay under it.
  return header + 'lorem ipsum '.repeat(Math.ceil(100_000 / 12)) + '\nend';
}
