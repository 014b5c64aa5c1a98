/**
 * The OpenStack scout: nodes from Ironic, flavors from Nova, images from Glance; directives go
 * to Ironic. In standalone mode (Ironic without Nova and Glance) flavors are the nodes' own and
 * images come from `[standalone] images`.
 *
 * Nodes are read by `nodeState` (provisioned, cached and the cached image per cache method, and
 * with `cache_method = arsenal` the plugin's record and a live agent). Flavor = `extra.flavor`,
 * else the first matching `[ironic] flavor_rules`, else the Nova flavor whose extra spec
 * `resources:CUSTOM_<CLASS>` = 1 matches the node's resource class (standalone: the resource
 * class itself).
 *
 * Writes go out once (see `IronicApi`); caches are the {@linkcode Cacher}'s, ejects the
 * {@linkcode Ejector}'s.
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Directive } from "../../domain/directive.ts";
import type { Flavor, Image, Node } from "../../domain/fleet.ts";
import type { Random } from "../../domain/random.ts";
import type { Clock } from "../../runtime/clock.ts";
import { basicAuth, KeystoneSession, NO_AUTH } from "./auth.ts";
import { type Service, withoutUuids } from "./errors.ts";
import { customResourceName, flavorByRules, imageMatches } from "./rules.ts";
import { type Credentials, ServiceClient, type UpstreamObserver } from "./http.ts";
import { AGENT_FIELDS, IronicApi, type IronicNode, NODE_FIELDS } from "./ironic.ts";
import { listFlavors } from "./nova.ts";
import { imageUrl, isPartitionImage, listImages } from "./glance.ts";
import type { OpenStackSettings } from "./settings.ts";
import type { ServiceSettings } from "./service_auth.ts";
import { ejectMark } from "./eject_step.ts";
import { Ejector } from "./ejector.ts";
import { Cacher } from "./cacher.ts";
import { glanceSource, type ImageSource, staticSource } from "./image_source.ts";
import { internalInfoHidden } from "./node_cache.ts";
import { type NodeReading, nodeState } from "./node_state.ts";
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
  /** Where each image of the last listing is downloaded from, by UUID. */
  #sources = new Map<string, ImageSource>();
  readonly #clock: Clock;
  readonly #ejector: Ejector;
  readonly #cacher: Cacher;
  /** Nodes of the last listing an eject had marked: {@linkcode resume} carries them on. */
  #marked: IronicNode[] = [];

  constructor(settings: OpenStackSettings, deps: OpenStackScoutDeps) {
    const { clock, observer, random } = deps;
    this.name = settings.mode === "standalone" ? "standalone" : settings.preset ?? "openstack";
    this.#settings = settings;
    this.#observer = observer;
    this.#random = random;
    this.#clock = clock;
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
    const method = settings.ironic.cacheMethod;
    this.#ironic = new IronicApi(client("baremetal", settings.ironic, /\/v1$/), {
      clock,
      conflict,
      fields: method === "arsenal" ? [...NODE_FIELDS, ...AGENT_FIELDS] : NODE_FIELDS,
    });
    this.#ejector = new Ejector(this.#ironic, clock, { settle: conflict, method });
    this.#cacher = new Cacher(this.#ironic, clock, {
      method,
      settle: conflict,
      reading: () => this.#reading(),
    });
    if (settings.nova) this.#nova = client("compute", settings.nova, /$^/);
    if (settings.glance) this.#glance = client("image", settings.glance, /\/v2$/);
    for (const image of settings.images ?? []) this.#sources.set(image.uuid, staticSource(image));
  }

  /** How nodes are read now. */
  #reading(): NodeReading {
    const { cacheMethod: method, fastTrackTimeout } = this.#settings.ironic;
    return { method, now: this.#clock.now(), fastTrackTimeout };
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
    const reading = this.#reading();
    let hidden = 0;
    await this.#ironic.listNodes(this.#settings.ironic, signal, (page) => {
      for (const listed of page) {
        if (ejectMark(listed) !== undefined) marked.push(listed);
        if (reading.method === "arsenal" && internalInfoHidden(listed)) hidden++;
        const flavor = flavorOf(listed);
        if (flavor === undefined) unidentified.push(listed.uuid);
        else nodes.push({ uuid: listed.uuid, flavor, ...nodeState(listed, reading) });
      }
    });
    this.#marked = marked;
    if (hidden > 0) {
      log.error(
        "Ironic hides driver_internal_info of {count} node(s) from Arsenal's user (policy " +
          "baremetal:node:get:driver_internal_info): their cache records and agents cannot be " +
          "read, so they count as not cacheable",
        { count: hidden },
      );
    }
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
    const sources = new Map<string, ImageSource>();
    // The plugin caches whole-disk images only: a partition image would lose its configdrive.
    const wholeDiskOnly = this.#settings.ironic.cacheMethod === "arsenal";
    const images: Image[] = [];
    for (const image of listed) {
      const name = image.name ?? "";
      if (image.status !== undefined && image.status !== "active") continue;
      if (glance.visibility.length && !glance.visibility.includes(String(image.visibility))) {
        continue;
      }
      if (glance.namePattern && !glance.namePattern.test(name)) continue;
      if (!imageMatches(glance.propertyRules, image)) continue;
      if (wholeDiskOnly && isPartitionImage(image)) continue;
      const checksum = image.checksum ?? image.os_hash_value ?? "";
      images.push({ uuid: image.id, name, checksum });
      sources.set(image.id, glanceSource(imageUrl(endpoint, image), image));
    }
    this.#sources = sources;
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
      if (directive.kind === "cache") {
        return await this.#cacher.cache(directive, this.#sources.get(directive.imageUuid), signal);
      }
      const { end, why } = await this.#ejector.eject(directive.nodeUuid, signal);
      if (end === "done" || end === "in_progress") return ISSUED;
      if (end === "skipped" || end === "abandoned") return { outcome: "skipped", reason: why };
      throw new Error(`Cannot eject: ${why}`);
    } catch (e) {
      throw anonymous(e);
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
