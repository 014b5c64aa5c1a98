/**
 * Shared test helpers: fleet builders, runtime settings, temporary files, and a small simulated
 * agent's arsenal.conf (tests/_arsenal.ts runs Arsenal).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { ObservedDeploy } from "../src/domain/deploy_history.ts";
import type { FleetState, Image, Node } from "../src/domain/fleet.ts";
import { UNIFORM_WEIGHTS } from "../src/domain/image_weights.ts";
import type { ImageWeights } from "../src/domain/image_weights.ts";
import type { Tunables } from "../src/runtime/settings.ts";
import type { PlanContext } from "../src/strategy/contract.ts";
import { seededRandom } from "../src/domain/random.ts";
import { checkStrategy, type LoadedStrategy } from "../src/strategy/loader.ts";

/** The repository root. */
export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A node; unprovisioned and uncached unless `fields` say otherwise. */
export function node(uuid: string, flavor: string, fields: Partial<Node> = {}): Node {
  return { uuid, flavor, provisioned: false, cached: false, cachedImageUuid: "", ...fields };
}

/** An image whose checksum is derived from its UUID. */
export function image(uuid: string, name: string = uuid): Image {
  return { uuid, name, checksum: `sum-${uuid}` };
}

/** A fleet; flavors default to those the nodes use, in order of first use. */
export function fleet(
  nodes: readonly Node[],
  images: readonly Image[],
  flavors: readonly string[] = [...new Set(nodes.map((n) => n.flavor))],
): FleetState {
  return { observedAt: 0, nodes, images, flavors: flavors.map((name) => ({ name })) };
}

/** A plan context with a seeded random source, the given weights and deploy history. */
export function context(
  seed = 1,
  imageWeights: ImageWeights = UNIFORM_WEIGHTS,
  deploys: readonly ObservedDeploy[] = [],
): PlanContext {
  return { random: seededRandom(seed), imageWeights, deploys };
}

/** Weights from an object of name -> weight. */
export function weights(byName: Record<string, number>, defaultWeight = 1): ImageWeights {
  return { byName: new Map(Object.entries(byName)), defaultWeight };
}

/** Runtime settings as the defaults configure them (simple_proportional at 0.125), overridden. */
export function tunables(overrides: Partial<Tunables> = {}): Tunables {
  return {
    dry_run: false,
    paused: false,
    cache_directive_rate_limit: 0,
    cache_directive_limiting_period: 300,
    eject_directive_rate_limit: 0,
    eject_directive_limiting_period: 300,
    directive_spacing: 120,
    strategy: { percentage_to_cache: 0.125 },
    ...overrides,
  };
}

/** A temporary directory, removed when disposed (`await using dir = await tempDir()`). */
export async function tempDir(): Promise<
  { path: string; write(name: string, text: string): Promise<string> } & AsyncDisposable
> {
  const path = await Deno.makeTempDir({ prefix: "arsenal-test-" });
  return {
    path,
    async write(name, text) {
      const file = `${path}/${name}`;
      await Deno.writeTextFile(file, text);
      return file;
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(path, { recursive: true });
    },
  };
}

/** arsenal.conf for a small, fast simulated fleet on a free port: a cycle every second. */
export const SIMULATED_AGENT = `[director]
scout = simulator
directive_spacing = 1
poll_spacing = 1
log_statistics = false

[api]
port = 0

[simulator]
nodes = 60
seed = 7

[simple_proportional_strategy]
percentage_to_cache = 0.5
`;

/** A built-in-like strategy that plans nothing and keeps a copy of each plan's deploy history. */
export function historyWatcher(): { loaded: LoadedStrategy; seen: ObservedDeploy[][] } {
  const seen: ObservedDeploy[][] = [];
  const loaded = checkStrategy("watcher", {
    name: "watcher",
    version: "1",
    plan: (_fleet: unknown, _options: unknown, { deploys }: PlanContext) => {
      seen.push([...deploys]);
      return [];
    },
  });
  return { loaded, seen };
}
