/**
 * The OpenStack scout: nodes from Ironic, flavors from Nova, images from Glance; directives go
 * to Ironic. In standalone mode (Ironic without Nova and Glance) flavors are the nodes' own and
 * images come from `[standalone] images`.
 *
 * Node mapping, as the original's: provisioned = provision state other than `available` (null
 * counts as available) or maintenance; cached = `driver_info.cache_status` set and not `failed`;
 * cached image = `driver_info.cache_image_id`. Flavor = `extra.flavor`, else the first matching
 * `[ironic] flavor_rules`, else the Nova flavor whose extra spec `resources:CUSTOM_<CLASS>` = 1
 * matches the node's resource class (standalone: the resource class itself).
 *
 * @module
 */
import { getLogger } from "@logtape/logtape";
import type { Directive } from "../domain/directive.ts";
import type { Flavor, Image, Node } from "../domain/fleet.ts";
import type { Clock } from "../runtime/clock.ts";
import { basicAuth, KeystoneSession, NO_AUTH } from "../openstack/auth.ts";
import { type Service, UpstreamError } from "../openstack/errors.ts";
import { customResourceName, flavorByRules, imageMatches } from "../openstack/rules.ts";
import { type Credentials, ServiceClient, type UpstreamObserver } from "../openstack/http.ts";
import { IronicApi, type IronicNode } from "../openstack/ironic.ts";
import { listFlavors } from "../openstack/nova.ts";
import { imageUrl, listImages } from "../openstack/glance.ts";
import type { OpenStackSettings, ServiceSettings } from "../openstack/settings.ts";
import type { Scout } from "./scout.ts";

const log = getLogger(["arsenal", "scout"]);

/** How many unidentified node UUIDs a log line names. */
const NAMED_IN_LOG = 5;

/** What the scout reports beyond the fleet. */
export interface OpenStackObserver extends UpstreamObserver {
  /** Nodes seen in the last listing whose flavor could not be identified. */
  observeUnidentified(count: number): void;
}

/** Whether a node is provisioned and cached, read as the original read them. */
export function nodeState(
  node: IronicNode,
): Pick<Node, "provisioned" | "cached" | "cachedImageUuid"> {
  const state = node.provision_state ?? "available";
  const status = node.driver_info?.cache_status;
  const cachedImage = node.driver_info?.cache_image_id;
  return {
    provisioned: state !== "available" || node.maintenance === true,
    cached: status !== undefined && status !== null && status !== "failed",
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
  readonly #clock: Clock;
  readonly #ironic: IronicApi;
  readonly #nova?: ServiceClient;
  readonly #glance?: ServiceClient;
  /** Nova flavor name by Placement resource name (`CUSTOM_BAREMETAL_SMALL`), and by flavor ID. */
  #byResource = new Map<string, string>();
  #byId = new Map<string, string>();
  /** Download URL by image UUID, from the last image listing. */
  #imageUrls = new Map<string, string>();

  constructor(settings: OpenStackSettings, clock: Clock, observer?: OpenStackObserver) {
    this.name = settings.mode === "standalone" ? "standalone" : settings.preset ?? "openstack";
    this.#settings = settings;
    this.#observer = observer;
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
      });
    };
    this.#ironic = new IronicApi(client("baremetal", settings.ironic, /\/v1$/));
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
      });
      sessions.set(key, session);
    }
    return session;
  }

  async retrieveNodes(signal: AbortSignal): Promise<Node[]> {
    const nodes: Node[] = [];
    const unidentified: string[] = [];
    const flavorOf = this.#flavorOf();
    await this.#ironic.listNodes(this.#settings.ironic, signal, (page) => {
      for (const listed of page) {
        const flavor = flavorOf(listed);
        if (flavor === undefined) unidentified.push(listed.uuid);
        else nodes.push({ uuid: listed.uuid, flavor, ...nodeState(listed) });
      }
    });
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

  async issue(directive: Directive, signal: AbortSignal): Promise<void> {
    if (directive.kind === "eject") return await this.#eject(directive.nodeUuid, signal);
    const { nodeUuid, imageUuid, imageChecksum } = directive;
    if (this.#settings.ironic.cacheMethod === "annotate") {
      await this.#requireFree(nodeUuid, signal);
      await this.#ironic.patchNode(
        nodeUuid,
        [
          { op: "add", path: "/driver_info/cache_image_id", value: imageUuid },
          { op: "add", path: "/driver_info/cache_status", value: "pending" },
        ],
        this.#conflictRetry(),
        signal,
      );
      return;
    }
    const url = this.#imageUrls.get(imageUuid);
    if (url === undefined) throw new Error(`image ${imageUuid} is no longer listed`);
    await this.#ironic.vendorPassthru(nodeUuid, "cache_image", {
      image_info: { id: imageUuid, urls: [url], checksum: imageChecksum },
    }, signal);
  }

  #conflictRetry() {
    const { conflictRetries, conflictInterval } = this.#settings.ironic;
    return { statuses: [409], retries: conflictRetries, intervalSeconds: conflictInterval };
  }

  /** Fails unless the node is still available, out of maintenance and uncached. */
  async #requireFree(uuid: string, signal: AbortSignal): Promise<void> {
    const node = nodeState(await this.#ironic.getNode(uuid, signal));
    if (node.provisioned || node.cached) {
      throw new Error(`node ${uuid} is no longer available and uncached`);
    }
  }

  /**
   * Eject: `manage`, confirm `manageable`, clear the `driver_info.cache_*` markers (so a driver
   * whose cleaning does not erase them still converges), then `provide`: cleaning wipes the disk
   * and returns the node to `available`. A node no longer available-and-cached is skipped.
   */
  async #eject(uuid: string, signal: AbortSignal): Promise<void> {
    const before = await this.#ironic.getNode(uuid, signal);
    const node = nodeState(before);
    if (node.provisioned || !node.cached) {
      log.info("Node {uuid} is no longer available and cached; nothing to eject", { uuid });
      return;
    }
    const retry = this.#conflictRetry();
    await this.#ironic.setProvisionState(uuid, "manage", retry, signal);
    await this.#awaitState(uuid, "manageable", signal);
    const markers = Object.keys(before.driver_info ?? {}).filter((k) => k.startsWith("cache_"));
    if (markers.length > 0) {
      const patch = markers.map((k) => ({ op: "remove", path: `/driver_info/${k}` }));
      await this.#ironic.patchNode(uuid, patch, retry, signal);
    }
    await this.#ironic.setProvisionState(uuid, "provide", retry, signal);
  }

  async #awaitState(uuid: string, wanted: string, signal: AbortSignal): Promise<void> {
    const { conflictRetries, conflictInterval } = this.#settings.ironic;
    let state: string | null | undefined;
    for (let attempt = 0; attempt <= conflictRetries; attempt++) {
      if (attempt > 0) await this.#clock.sleep(conflictInterval * 1000, signal);
      state = (await this.#ironic.getNode(uuid, signal)).provision_state;
      if (state === wanted) return;
      if (state !== "verifying" && state !== "available") break;
    }
    throw new UpstreamError(
      "baremetal",
      { method: "PUT", path: `/v1/nodes/${uuid}/states/provision` },
      undefined,
      `node ${uuid} did not become ${wanted} (it is ${state ?? "available"})`,
    );
  }
}
