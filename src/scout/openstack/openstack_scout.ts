/**
 * The OpenStack scout: nodes from Ironic, flavors from Nova, images from Glance; directives go
 * to Ironic. In standalone mode (Ironic without Nova and Glance) flavors are the nodes' own and
 * images come from `[standalone] images`.
 *
 * Node mapping, as the original's: provisioned = provision state other than `available` (null
 * counts as available) or maintenance, or marked by an eject under way (`extra.arsenal_eject`);
 * cached = `driver_info.cache_status` set and not `failed`; cached image =
 * `driver_info.cache_image_id`. Flavor = `extra.flavor`, else the first matching
 * `[ironic] flavor_rules`, else the Nova flavor whose extra spec `resources:CUSTOM_<CLASS>` = 1
 * matches the node's resource class (standalone: the resource class itself).
 *
 * Writes go out once (see `IronicApi`); a cache directive re-reads the node first and is skipped
 * when it is no longer free; ejects are the {@linkcode Ejector}'s.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { CacheDirective, Directive } from "../../domain/directive.ts";
import type { Flavor, Image, Node } from "../../domain/fleet.ts";
import type { Random } from "../../domain/random.ts";
import type { Clock } from "../../runtime/clock.ts";
import { basicAuth, KeystoneSession, NO_AUTH } from "./auth.ts";
import { type Service, UpstreamError, withoutUuids } from "./errors.ts";
import { customResourceName, flavorByRules, imageMatches } from "./rules.ts";
import { type Credentials, ServiceClient, type UpstreamObserver } from "./http.ts";
import { IronicApi, type IronicNode } from "./ironic.ts";
import { listFlavors } from "./nova.ts";
import { imageUrl, listImages } from "./glance.ts";
import type { OpenStackSettings } from "./settings.ts";
import type { ServiceSettings } from "./service_auth.ts";
import { ejectMark, isCached } from "./eject_step.ts";
import { Ejector } from "./ejector.ts";
import { ISSUED, type IssueResult, type Scout } from "../scout.ts";

const log = getLogger(["arsenal", "scout"]);

/** How many unidentified node UUIDs a log line names. */
const NAMED_IN_LOG = 5;

/** What the scout reports beyond the fleet. */
export interface OpenStackObserver extends UpstreamObserver {
  /** Nodes seen in the last listing whose flavor could not be identified. */
  observeUnidentified(count: number): void;
  /** Interrupted ejects a resume moved on (see {@linkcode Ejector.resume}). */
  observeResumedEjects?(count: number): void;
}

/** What the scout works with besides its settings. */
export interface OpenStackScoutDeps {
  readonly clock: Clock;
  /** Where the jitter of retry waits comes from. */
  readonly random: Random;
  readonly observer?: OpenStackObserver;
}

/** Whether a node is provisioned and cached, read as the original read them. */
export function nodeState(
  node: IronicNode,
): Pick<Node, "provisioned" | "cached" | "cachedImageUuid"> {
  const state = node.provision_state ?? "available";
  const cachedImage = node.driver_info?.cache_image_id;
  return {
    // A marked node is being ejected, even while it is still available: not free to plan on.
    provisioned: state !== "available" || node.maintenance === true ||
      ejectMark(node) !== undefined,
    cached: isCached(node),
    cachedImageUuid: typeof cachedImage === "string" ? cachedImage : "",
  };
}

/** Strips a trailing version segment the catalog may include (`/v1`, `/v2`). */
function serviceRoot(url: string, version: RegExp): string {
  return url.replace(/\/+$/, "").replace(version, "");
}

/** The scout for a real cloud (or a standalone Ironic). */
export class OpenStackScout implements Scout {
  readonly name: string;
  readonly #settings: OpenStackSettings;
  readonly #observer?: OpenStackObserver;
  readonly #random: Random;
  readonly #ironic: IronicApi;
  readonly #nova?: ServiceClient;
  readonly #glance?: ServiceClient;
  /** Nova flavor name by Placement resource name (`CUSTOM_BAREMETAL_SMALL`), and by flavor ID. */
  #byResource = new Map<string, string>();
  #byId = new Map<string, string>();
  /** Download URL by image UUID, from the last image listing. */
  #imageUrls = new Map<string, string>();
  readonly #ejector: Ejector;
  /** Nodes of the last listing an eject had marked: {@linkcode resume} carries them on. */
  #marked: IronicNode[] = [];

  constructor(settings: OpenStackSettings, deps: OpenStackScoutDeps) {
    const { clock, observer, random } = deps;
    this.name = settings.mode === "standalone" ? "standalone" : settings.preset ?? "openstack";
    this.#settings = settings;
    this.#observer = observer;
    this.#random = random;
    const sessions = new Map<string, Credentials>();
    const client = (service: Service, s: ServiceSettings, version: RegExp) => {
      const credentials = this.#credentials(s, clock, sessions);
      const fromCatalog = credentials instanceof KeystoneSession
        ? (signal: AbortSignal) =>
          credentials.endpoint(
            { type: service, interface: s.interface, region: s.region, name: s.serviceName },
            signal,
          )
        : undefined;
      let resolved: string | undefined = s.endpoint && serviceRoot(s.endpoint, version);
      return new ServiceClient({
        service,
        endpoint: async (signal) => {
          resolved ??= serviceRoot(await fromCatalog!(signal), version);
          return resolved;
        },
        credentials,
        policy: settings.policy,
        observer,
        random,
      });
    };
    const conflict = {
      retries: settings.ironic.conflictRetries,
      intervalSeconds: settings.ironic.conflictInterval,
    };
    this.#ironic = new IronicApi(client("baremetal", settings.ironic, /\/v1$/), {
      clock,
      conflict,
    });
    this.#ejector = new Ejector(this.#ironic, clock, conflict);
    if (settings.nova) this.#nova = client("compute", settings.nova, /$^/);
    if (settings.glance) this.#glance = client("image", settings.glance, /\/v2$/);
    if (settings.images) {
      for (const image of settings.images) this.#imageUrls.set(image.uuid, image.url);
    }
  }

  /** One Keystone session per distinct set of credentials, shared by the services using it. */
  #credentials(s: ServiceSettings, clock: Clock, sessions: Map<string, Credentials>): Credentials {
    const auth = s.auth;
    if (auth.type === "noauth") return NO_AUTH;
    if (auth.type === "http_basic") return basicAuth(auth.username, auth.password);
    const key = JSON.stringify([auth.authUrl, auth.credentials]);
    let session = sessions.get(key);
    if (!session) {
      session = new KeystoneSession({
        authUrl: auth.authUrl,
        credentials: auth.credentials,
        clock,
        policy: this.#settings.policy,
        observer: this.#observer,
        random: this.#random,
      });
      sessions.set(key, session);
    }
    return session;
  }

  async retrieveNodes(signal: AbortSignal): Promise<Node[]> {
    const nodes: Node[] = [];
    const unidentified: string[] = [];
    const marked: IronicNode[] = [];
    const flavorOf = this.#flavorOf();
    await this.#ironic.listNodes(this.#settings.ironic, signal, (page) => {
      for (const listed of page) {
        if (ejectMark(listed) !== undefined) marked.push(listed);
        const flavor = flavorOf(listed);
        if (flavor === undefined) unidentified.push(listed.uuid);
        else nodes.push({ uuid: listed.uuid, flavor, ...nodeState(listed) });
      }
    });
    this.#marked = marked;
    this.#observer?.observeUnidentified(unidentified.length);
    if (unidentified.length > 0) {
      const named = unidentified.slice(0, NAMED_IN_LOG).join(", ");
      const more = unidentified.length > NAMED_IN_LOG
        ? `, and ${unidentified.length - NAMED_IN_LOG} more`
        : "";
      log.warn(
        "{count} node(s) have no identifiable flavor and are left alone: {named}{more} " +
          "(set extra.flavor, [ironic] flavor_rules, or a Nova flavor with resources:CUSTOM_<class>=1)",
        { count: unidentified.length, named, more },
      );
    }
    return nodes;
  }

  #flavorOf(): (node: IronicNode) => string | undefined {
    const rules = this.#settings.ironic.flavorRules;
    const standalone = this.#settings.mode === "standalone";
    const byResource = this.#byResource;
    const byId = this.#byId;
    return (node) => {
      const extra = node.extra?.flavor;
      if (typeof extra === "string" && extra) return byId.get(extra) ?? extra;
      const ruled = flavorByRules(rules, node.properties);
      if (ruled !== undefined) return ruled;
      const rc = node.resource_class;
      if (!rc) return undefined;
      return standalone ? rc : byResource.get(customResourceName(rc));
    };
  }

  async retrieveFlavors(signal: AbortSignal): Promise<Flavor[]> {
    if (!this.#nova) {
      // Standalone: the flavors the nodes have.
      const names = new Set<string>();
      const flavorOf = this.#flavorOf();
      await this.#ironic.listNodes(this.#settings.ironic, signal, (page) => {
        for (const node of page) {
          const flavor = flavorOf(node);
          if (flavor !== undefined) names.add(flavor);
        }
      });
      return [...names].sort().map((name) => ({ name }));
    }
    const flavors = await listFlavors(this.#nova, signal);
    const byResource = new Map<string, string>();
    const byId = new Map<string, string>();
    for (const f of flavors) {
      byId.set(f.id, f.name);
      for (const [key, value] of Object.entries(f.extraSpecs)) {
        if (key.startsWith("resources:CUSTOM_") && String(value) === "1") {
          byResource.set(key.slice("resources:".length), f.name);
        }
      }
    }
    this.#byResource = byResource;
    this.#byId = byId;
    const pattern = this.#settings.nova?.flavorPattern;
    return flavors.filter((f) => !pattern || pattern.test(f.name)).map((f) => ({ name: f.name }));
  }

  async retrieveImages(signal: AbortSignal): Promise<Image[]> {
    const glance = this.#settings.glance;
    if (!this.#glance || !glance) {
      return (this.#settings.images ?? []).map(({ uuid, name, checksum }) => ({
        uuid,
        name,
        checksum,
      }));
    }
    const listed = await listImages(this.#glance, glance.visibility, signal);
    const endpoint = await this.#glance.endpoint(signal);
    const urls = new Map<string, string>();
    const images: Image[] = [];
    for (const image of listed) {
      const name = image.name ?? "";
      if (image.status !== undefined && image.status !== "active") continue;
      if (glance.visibility.length && !glance.visibility.includes(String(image.visibility))) {
        continue;
      }
      if (glance.namePattern && !glance.namePattern.test(name)) continue;
      if (!imageMatches(glance.propertyRules, image)) continue;
      const checksum = image.checksum ?? image.os_hash_value ?? "";
      images.push({ uuid: image.id, name, checksum });
      urls.set(image.id, imageUrl(endpoint, image));
    }
    this.#imageUrls = urls;
    return images;
  }

  /**
   * Carries on the ejects the last node listing showed marked (started by any Arsenal, before a
   * crash or a restart too), and counts those it moved on.
   */
  async resume(signal: AbortSignal): Promise<void> {
    const resumed = await this.#ejector.resume(this.#marked, signal);
    if (resumed > 0) this.#observer?.observeResumedEjects?.(resumed);
  }

  async issue(directive: Directive, signal: AbortSignal): Promise<IssueResult> {
    try {
      if (directive.kind === "cache") return await this.#cache(directive, signal);
      const { end, why } = await this.#ejector.eject(directive.nodeUuid, signal);
      if (end === "done" || end === "in_progress") return ISSUED;
      if (end === "skipped" || end === "abandoned") return { outcome: "skipped", reason: why };
      throw new Error(`Cannot eject: ${why}`);
    } catch (e) {
      throw anonymous(e);
    }
  }

  /**
   * Caches an image on a node that is still free: the node is read first. A write whose answer
   * was lost is not sent again: the node is read back, and holds the image or the cache failed.
   */
  async #cache(directive: CacheDirective, signal: AbortSignal): Promise<IssueResult> {
    const { nodeUuid, imageUuid, imageChecksum } = directive;
    const annotate = this.#settings.ironic.cacheMethod === "annotate";
    const url = this.#imageUrls.get(imageUuid);
    if (!annotate && url === undefined) {
      throw new Error("Cannot cache: the image is no longer listed");
    }
    const node = nodeState(await this.#ironic.getNode(nodeUuid, signal));
    if (node.provisioned || node.cached) {
      return {
        outcome: "skipped",
        reason: "nothing to cache: the node is no longer available and uncached",
      };
    }
    try {
      if (annotate) {
        await this.#ironic.patchNode(nodeUuid, [
          { op: "add", path: "/driver_info/cache_image_id", value: imageUuid },
          { op: "add", path: "/driver_info/cache_status", value: "pending" },
        ], signal);
      } else {
        await this.#ironic.vendorPassthru(nodeUuid, "cache_image", {
          image_info: { id: imageUuid, urls: [url], checksum: imageChecksum },
        }, signal);
      }
      return ISSUED;
    } catch (e) {
      if (!ambiguous(e) || signal.aborted) throw e;
      const after = await this.#ironic.getNode(nodeUuid, signal).catch(() => undefined);
      if (after?.driver_info?.cache_image_id === imageUuid && isCached(after)) return ISSUED;
      const verdict = after
        ? "read back, the node does not hold the image"
        : "the node could not be read back: it may hold the image later";
      throw new Error(`${(e as Error).message}; ${verdict}`, { cause: e });
    }
  }
}

/**
 * `e` with the UUIDs in its message (Ironic's explanations name the node) replaced by `{uuid}`:
 * the record names the node and the image, and the director logs each distinct reason once.
 */
function anonymous(e: unknown): unknown {
  if (!(e instanceof Error)) return e;
  const message = withoutUuids(e.message);
  if (message === e.message) return e;
  const error = new Error(message, { cause: e });
  error.name = e.name;
  return error;
}

/** A failure after which the write may or may not have been applied: no answer, or a 5xx. */
function ambiguous(e: unknown): boolean {
  return e instanceof UpstreamError && (e.status === undefined || e.status >= 500);
}
