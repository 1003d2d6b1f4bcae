/** Only same-app paths: `next` comes from the URL, and `//evil.example` is also "a path". */
export function safeNext(next: string | null, fallback: string): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : fallback;
}
