// Fresh work without a claim: the dispatcher tells the pipeline how much room it has (a credit), and the
// processor leases that many of a batch's new deliveries to it inside the batch's own commit, then hands
// them over in memory. Rows it has no room for stay pending and are claimed as usual, as do rows the rule's
// rate limit holds back (`notBefore` still ahead): the dispatcher never attempts one before it.
import { randomBytes } from 'node:crypto';
import type { DeliveryRequest } from '../engine/types.ts';
import type { LeasedDelivery, Lease } from '../store/contracts.ts';
import { deliveryDestination } from '../store/destination.ts';

/** What a dispatcher can start now; sent whenever that changes (at most once per turn of its event loop). */
export interface DispatchCredit {
  readonly owner: string;
  readonly leaseMs: number;
  /** Rows it can take now: running and queued locally, across destinations (dispatcher.ts bounds the total). */
  readonly free: number;
  /** What a destination may hold, running plus queued, unless `limits` names it. */
  readonly perDestination: number;
  /** Per-destination room sized by its recent latency (destination-slots.ts); absent: `perDestination`. */
  readonly limits?: Readonly<Record<string, number>>;
  /** Attempts running or queued per destination (absent: none). */
  readonly busy: Readonly<Record<string, number>>;
}

/** The pipeline's side: picks, per batch, the deliveries the dispatcher has room for. */
export class FreshPicker {
  #credit: { owner: string; leaseMs: number; free: number; perDestination: number; limits?: Readonly<Record<string, number>>; busy: Record<string, number> } | undefined;

  update(credit: DispatchCredit): void {
    this.#credit = { ...credit, busy: { ...credit.busy } };
  }

  /** The dispatcher is gone (restarting): hand nothing over until it says it has room. */
  forget(): void {
    this.#credit = undefined;
  }

  pick(deliveries: readonly DeliveryRequest[], now: number): { lease: Lease; ids: string[] } | undefined {
    const credit = this.#credit;
    if (!credit || credit.free <= 0 || !deliveries.length) return undefined;
    const ids: string[] = [];
    for (const d of deliveries) {
      if (credit.free <= 0) break;
      if (d.notBefore !== undefined && d.notBefore > now) continue; // held back by the rate limit: claimed when due
      const destination = d.destination ?? deliveryDestination(d.kind, d.spec);
      const busy = credit.busy[destination] ?? 0;
      if (busy >= (credit.limits?.[destination] ?? credit.perDestination)) continue;
      credit.busy[destination] = busy + 1;
      credit.free--;
      ids.push(d.id);
    }
    // The credit is spent until the dispatcher sends a new one (its next one counts these as running).
    return ids.length ? { lease: { owner: credit.owner, token: randomBytes(9).toString('base64url'), until: now + credit.leaseMs }, ids } : undefined;
  }
}

/** A fresh delivery as the dispatcher receives it: the engine's request, leased, before any attempt. */
export function leasedDelivery(request: DeliveryRequest, destination: string, lease: Lease): LeasedDelivery {
  const first = Math.max(request.createdAt, request.notBefore ?? request.createdAt); // as the outbox row has it
  return {
    ...request, destination, status: 'delivering', attempts: 0, attemptsSinceReplay: 0, windowStartedAt: first,
    nextAttemptAt: first, lastError: null, deliveredAt: null, lease,
  };
}
