// Credentials that just failed from one address, remembered for a while so that the same wrong
// login sent again (a phone still polling with a revoked app password, a client retrying) is
// answered 401 at once: no argon2, and it counts once per window, not once per poll, so one stuck
// device cannot lock out an office that shares its address. Only logins that cannot become valid
// are remembered: a generated app password never equals a wrong one, while an inactive employee's
// right password works again when he is reactivated.
export class RepeatedFailures {
  private readonly seen = new Map<string, number>();
  constructor(private readonly ttlMs: number) {}

  /** `credentialsKey` is already a salted hash of username and password (never the password). */
  private key(address: string, credentialsKey: string): string {
    return `${address}\0${credentialsKey}`;
  }

  has(address: string, credentialsKey: string): boolean {
    const k = this.key(address, credentialsKey);
    const at = this.seen.get(k);
    if (at === undefined) return false;
    if (Date.now() - at < this.ttlMs) return true;
    this.seen.delete(k);
    return false;
  }

  remember(address: string, credentialsKey: string): void {
    if (this.seen.size >= 10_000) this.seen.clear(); // bounded; forgetting only costs one more check
    this.seen.set(this.key(address, credentialsKey), Date.now());
  }
}
