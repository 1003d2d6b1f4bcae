/**
 * The one way Airlock puts a value into a POSIX shell command line: the install line the Hosts page
 * shows, and (next) the commands tmux runs for agent sessions. Pure, so the web app builds the same
 * text as the server.
 *
 * Single quotes are the only POSIX quoting with no expansion inside at all (no `$`, backquote, `\`
 * or history `!` in a non-interactive shell), so every value is wrapped in them and each `'` becomes
 * `'\''` (close, an escaped quote, reopen). A NUL cannot be passed in an argv at all, so it is refused
 * rather than silently cutting the value short.
 */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('A shell argument cannot contain a NUL character.');
  // Plain words need no quotes; this keeps copy-paste lines readable. The set excludes everything
  // any POSIX shell treats specially, including `~` (tilde expansion at a word's start) and `=`
  // (an assignment when the word comes first).
  if (/^[A-Za-z0-9_@%+,./:-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** An argv as one shell command line: each element quoted, joined by spaces. */
export function shellCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('A shell command needs at least one word.');
  return argv.map(shellQuote).join(' ');
}
