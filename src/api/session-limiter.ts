// Failed sign-ins counted per user name and per client address within a sliding window; past the limit a sign-in
// is refused (429) until the oldest failure leaves the window. Held in memory by the one HTTP thread: a restart
// forgets the counts, which only gives an attacker a few more tries per restart.

export class SignInLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly options: { maxFailures: number; maxFailuresPerIp: number; windowMs: number }) {}

  /** Milliseconds until a sign-in for this name from this address may be tried again; 0: now. */
  retryAfterMs(username: string, ip: string, now: number): number {
    return Math.max(this.#wait(`u:${username}`, this.options.maxFailures, now), this.#wait(`ip:${ip}`, this.options.maxFailuresPerIp, now));
  }

  failed(username: string, ip: string, now: number): void {
    for (const key of [`u:${username}`, `ip:${ip}`]) {
      const list = this.#recent(key, now);
      list.push(now);
      this.#failures.set(key, list);
    }
    // Bounded: a flood of made-up names cannot grow the map without limit (the per-address count still holds).
    if (this.#failures.size > 100_000) this.#sweep(now);
  }

  /**
   * A sign-in counts as failed from the moment it is tried (so that many tried at once cannot pass the limit
   * together while their hashes are computed); when it succeeds, this takes back the address's count of it and
   * clears the name's failures.
   */
  succeeded(username: string, ip: string, at: number): void {
    this.#failures.delete(`u:${username}`);
    const list = this.#failures.get(`ip:${ip}`);
    const i = list?.lastIndexOf(at) ?? -1;
    if (i !== -1) list!.splice(i, 1);
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((t) => t > now - this.options.windowMs);
  }

  #wait(key: string, max: number, now: number): number {
    const list = this.#recent(key, now);
    if (list.length < max) return 0;
    return list[list.length - max] + this.options.windowMs - now;
  }

  #sweep(now: number): void {
    for (const [key, list] of this.#failures) if (!list.some((t) => t > now - this.options.windowMs)) this.#failures.delete(key);
  }
}
