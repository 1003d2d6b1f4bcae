/** What the users module needs from wherever sessions live: ending every session of a user. */
export interface UserSessions {
  deleteForUser(userId: string): Promise<void>;
}
