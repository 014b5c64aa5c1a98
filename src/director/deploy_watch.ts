/**
 * Deploys and deletes, seen by comparing each node listing with the one before.
 *
 * Counted, per node between two listings:
 * - `available` -> `deploying`/`active`: a deploy of the node's `instanceImage`; a hit when the
 *   node held that image, ready, at the listing before.
 * - `cleaning` -> `deploying`/`active`: a deploy whose `available` spell fell between listings; a
 *   miss, since no cache was seen ready (cleaning wipes it).
 * - `deploying`/`active` -> `cleaning`/`available`/`other`: a delete (`other` is Ironic's `error`
 *   after a failed teardown, or a node taken out of service).
 * - `deploying`/`active` with another image than before: a delete and a deploy (a miss).
 *
 * Not seen: a deploy and its delete both between two listings; a redeploy of the same image
 * between them. `other` -> `active` (an adoption) is not a deploy. Nodes first seen, or whose
 * scout gives no `phase`, start the comparison. Memory is one entry per listed node.
 *
 * @module
 */
import type { DeleteEvent, DeployEvent, FleetEvent } from "../domain/deploy_event.ts";
import type { Node, NodePhase } from "../domain/fleet.ts";

/** What is kept of a node between listings. */
interface Seen {
  readonly phase: NodePhase;
  readonly flavor: string;
  /** The image the node held ready while available; "" when none. */
  readonly readyImage: string;
  readonly instanceImage: string;
}

function busy(phase: NodePhase): boolean {
  return phase === "deploying" || phase === "active";
}

function seen(node: Node & { phase: NodePhase }): Seen {
  const ready = node.phase === "available" && node.cached && node.cacheReady !== false;
  return {
    phase: node.phase,
    flavor: node.flavor,
    readyImage: ready ? node.cachedImageUuid : "",
    instanceImage: node.instanceImage ?? "",
  };
}

/** The events between `before` and `now` for one node (see the module docs). */
export function nodeEvents(before: Seen, now: Seen, node: string, at: number): FleetEvent[] {
  const deploy = (hit: boolean): DeployEvent => ({
    kind: "deploy",
    at,
    node,
    flavor: now.flavor,
    image: now.instanceImage,
    hit,
  });
  const remove: DeleteEvent = {
    kind: "delete",
    at,
    node,
    flavor: before.flavor,
    image: before.instanceImage,
  };
  if (!busy(now.phase)) return busy(before.phase) ? [remove] : [];
  if (before.phase === "available") {
    return [deploy(before.readyImage !== "" && before.readyImage === now.instanceImage)];
  }
  if (before.phase === "cleaning") return [deploy(false)];
  const replaced = busy(before.phase) && before.instanceImage !== "" &&
    now.instanceImage !== "" && before.instanceImage !== now.instanceImage;
  return replaced ? [remove, deploy(false)] : [];
}

/** Remembers each node's last listing and tells what happened since. */
export class DeployWatch {
  /** Each node's last listing, and the number of the listing that last showed it. */
  readonly #last = new Map<string, { seen: Seen; listing: number }>();
  #listing = 0;

  /**
   * The events between the previous listing and `nodes`, listed at `at` (epoch ms). Entries are
   * updated in place, and a node unchanged since its last listing costs a lookup only: every
   * cycle lists every node.
   */
  observe(nodes: readonly Node[], at: number): FleetEvent[] {
    const events: FleetEvent[] = [];
    const listing = ++this.#listing;
    let listed = 0;
    for (const node of nodes) {
      if (node.phase === undefined) continue;
      listed++;
      const entry = this.#last.get(node.uuid);
      if (!entry) {
        this.#last.set(node.uuid, { seen: seen(node as Node & { phase: NodePhase }), listing });
        continue;
      }
      entry.listing = listing;
      if (same(entry.seen, node)) continue;
      const now = seen(node as Node & { phase: NodePhase });
      for (const event of nodeEvents(entry.seen, now, node.uuid, at)) events.push(event);
      entry.seen = now;
    }
    // Nodes gone from the listing (or without a phase now) start afresh when they come back.
    if (this.#last.size > listed) {
      for (const [uuid, entry] of this.#last) {
        if (entry.listing !== listing) this.#last.delete(uuid);
      }
    }
    return events;
  }
}

/** Whether `node` shows what `before` holds. */
function same(before: Seen, node: Node): boolean {
  const ready = node.phase === "available" && node.cached && node.cacheReady !== false;
  return before.phase === node.phase && before.flavor === node.flavor &&
    before.readyImage === (ready ? node.cachedImageUuid : "") &&
    before.instanceImage === (node.instanceImage ?? "");
}
