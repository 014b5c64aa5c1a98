/**
 * An in-memory scout for director and loop tests: its fleet is set by the test, its calls are
 * recorded, and it can fail or hold any call on demand.
 *
 * @module
 */
import type { Directive } from "../../src/domain/directive.ts";
import type { Flavor, Image, Node } from "../../src/domain/fleet.ts";
import { ISSUED, type IssueResult, type Scout, type ScoutSource } from "../../src/scout/scout.ts";

/** A promise the test resolves or rejects when it chooses. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A scout whose behaviour each test sets. */
export class FakeScout implements Scout {
  readonly name = "fake";
  nodes: Node[] = [];
  flavors: Flavor[] = [];
  images: Image[] = [];
  /** Sources whose next retrievals throw. */
  readonly failing = new Set<ScoutSource>();
  /** Node UUIDs whose directives are rejected, with the reason. */
  readonly rejecting = new Map<string, string>();
  /** Node UUIDs whose directives are skipped, with the reason. */
  readonly skipping = new Map<string, string>();
  /** Set it to give the scout a resume step (the loop calls it after each node listing). */
  resume?: (signal: AbortSignal) => Promise<void>;
  /** When set, every issue waits for this before settling. */
  gate: Promise<void> | undefined;
  readonly issued: Directive[] = [];
  readonly calls: string[] = [];
  inFlight = 0;
  maxInFlight = 0;

  #retrieve<T>(source: ScoutSource, value: T[]): Promise<T[]> {
    this.calls.push(source);
    if (this.failing.has(source)) return Promise.reject(new Error(`${source} unavailable`));
    return Promise.resolve(value.map((v) => ({ ...v })));
  }

  retrieveNodes(): Promise<Node[]> {
    return this.#retrieve("nodes", this.nodes);
  }

  retrieveFlavors(): Promise<Flavor[]> {
    return this.#retrieve("flavors", this.flavors);
  }

  retrieveImages(): Promise<Image[]> {
    return this.#retrieve("images", this.images);
  }

  async issue(directive: Directive, signal: AbortSignal): Promise<IssueResult> {
    this.calls.push(`issue:${directive.kind}:${directive.nodeUuid}`);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.gate) {
        await Promise.race([
          this.gate,
          new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))),
        ]);
      }
      const reason = this.rejecting.get(directive.nodeUuid);
      if (reason) throw new Error(reason);
      const skipped = this.skipping.get(directive.nodeUuid);
      if (skipped) return { outcome: "skipped", reason: skipped };
      this.issued.push(directive);
      return ISSUED;
    } finally {
      this.inFlight--;
    }
  }
}
