import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, CliError, UsageError, exitCodeOf, formatError } from './errors';

void describe('formatError', () => {
  void it("shows the server's message, status, code and correlation id on one line", () => {
    const text = formatError(
      new ApiError(409, 'conflict', 'User bob already exists.', undefined, 'req-7f3a'),
    );
    assert.equal(text, 'error: User bob already exists. (HTTP 409, conflict, correlation id req-7f3a)\n');
  });

  void it('lists validation issues and adds a hint for a refused token', () => {
    const v = formatError(
      new ApiError(
        400,
        'validation_failed',
        'body.password: too short',
        [{ path: 'body.password', message: 'too short' }],
        'c1',
      ),
    );
    assert.match(v, /\n {2}- body\.password: too short\n$/);
    const u = formatError(new ApiError(401, 'unauthenticated', 'Sign in first.', undefined, 'c2'));
    assert.match(
      u,
      /^error: Sign in first\. \(HTTP 401, unauthenticated, correlation id c2\)\n.*airlock login/,
    );
  });

  void it('formats CLI errors plainly, usage errors with a pointer to --help, and never prints a stack', () => {
    assert.equal(formatError(new CliError('Not logged in.')), 'error: Not logged in.\n');
    assert.equal(formatError(new UsageError('bad port')), 'error: bad port\n(add --help for usage)\n');
    const unexpected = formatError(new TypeError('x is undefined'));
    assert.equal(unexpected, 'error: unexpected failure in the CLI: x is undefined\n');
    assert.doesNotMatch(unexpected, /\bat /);
  });

  void it('maps errors to exit codes: usage 2, everything else 1', () => {
    assert.equal(exitCodeOf(new UsageError('x')), 2);
    assert.equal(exitCodeOf(new CliError('x')), 1);
    assert.equal(exitCodeOf(new ApiError(500, 'internal', 'x', undefined, 'c')), 1);
    assert.equal(exitCodeOf(new Error('x')), 1);
  });
});
