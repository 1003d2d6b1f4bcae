/** What the credentials module asks of whoever refers to credentials (the profiles module). */
export interface CredentialUsage {
  /** Names of the profiles with a route that injects this credential (by id). */
  profilesUsing(credentialId: string): Promise<string[]>;
}
