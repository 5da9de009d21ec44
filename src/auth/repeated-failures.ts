// Credentials that just failed from one address, remembered for a while so that the same wrong
// login sent again (a phone still polling with a revoked app password, a client retrying) is
// answered 401 at once: no argon2, and it counts once per window, not once per poll, so one stuck
// device cannot lock out an office that shares its address. A generated app password never equals
// a wrong one, so those failures stay remembered for the window; an inactive employee's right
// password works again when he is reactivated, so his are tagged with his id: the caller then only
// asks whether he is still inactive (one indexed look-up, no argon2, nothing counted), and the
// employee notice of db/notifications.ts forgets them at once.
export class RepeatedFailures {
  private readonly seen = new Map<string, { readonly at: number; readonly employeeId: string | undefined }>();
  constructor(private readonly ttlMs: number) {}

  /** `credentialsKey` is already a salted hash of username and password (never the password). */
  private key(address: string, credentialsKey: string): string {
    return `${address}\0${credentialsKey}`;
  }

  /**
   * The remembered failure of these credentials from this address, if still within the window:
   * `employeeId` set when it failed only because that employee is inactive.
   */
  get(address: string, credentialsKey: string): { readonly employeeId: string | undefined } | undefined {
    const k = this.key(address, credentialsKey);
    const entry = this.seen.get(k);
    if (entry === undefined) return undefined;
    if (Date.now() - entry.at < this.ttlMs) return entry;
    this.seen.delete(k);
    return undefined;
  }

  forget(address: string, credentialsKey: string): void {
    this.seen.delete(this.key(address, credentialsKey));
  }

  /** `employeeId`: the login failed because he is inactive (it may become valid again). */
  remember(address: string, credentialsKey: string, employeeId?: string): void {
    if (this.seen.size >= 10_000) this.seen.clear(); // bounded; forgetting only costs one more check
    this.seen.set(this.key(address, credentialsKey), { at: Date.now(), employeeId });
  }

  /** BrokerStar changed this employee (undefined: any employee): his logins are checked again. */
  forgetEmployee(employeeId: string | undefined): void {
    for (const [k, entry] of this.seen) {
      if (entry.employeeId !== undefined && (employeeId === undefined || entry.employeeId === employeeId)) this.seen.delete(k);
    }
  }
}
