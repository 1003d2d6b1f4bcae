/**
 * Close codes the server uses when it ends a live socket (stream, logs, shell, and next the agent
 * session attach) because the credential behind it changed. In the 4000-4999 range the WebSocket
 * protocol leaves to applications, so a client can tell "sign in again" from a network drop and
 * does not reconnect in a loop.
 */
export const SocketClose = {
  /** The session or token ended: logout, expiry, password change, user disabled, token revoked. */
  signedOut: 4401,
  /** The user's current role no longer allows this socket's endpoint. */
  roleChanged: 4403,
  /** A shell outlived the unlock window it was opened under by more than the configured maximum. */
  unlockExpired: 4408,
  /** An admin required a new password: nothing but changing it is allowed until then. */
  passwordChangeRequired: 4409,
} as const;
export type SocketCloseCode = (typeof SocketClose)[keyof typeof SocketClose];

/** The sentence a client shows for one of these codes, or null for any other code. */
export function socketCloseReason(code: number): string | null {
  switch (code) {
    case SocketClose.signedOut:
      return 'Your session ended (signed out, expired, or the credential was revoked); sign in again.';
    case SocketClose.roleChanged:
      return 'Your role changed and no longer allows this; reload the page.';
    case SocketClose.unlockExpired:
      return 'The unlock this shell was opened under has expired; unlock again and reopen the shell.';
    case SocketClose.passwordChangeRequired:
      return 'You must choose a new password before going on; reload the page.';
    default:
      return null;
  }
}
