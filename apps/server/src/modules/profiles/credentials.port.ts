/** What the profiles module needs of credentials (the credentials module provides it). */
export interface ProfileCredential {
  id: string;
  name: string;
  /** Host patterns it may be sent to. */
  hosts: string[];
}

export interface ProfileCredentials {
  /** By id or name; null when there is none. */
  resolve(ref: string): Promise<ProfileCredential | null>;
  /** All of them (to answer stored ids with names). */
  infos(): Promise<ProfileCredential[]>;
}
