/**
 * The fake's Nova, under `/compute/v2.1`: flavors and their extra specs, rendered per
 * microversion (2.1 by default), paged by `flavors_links`.
 *
 * @module
 */
import { json, minor, pageAfter, parseLimit } from "./_shared.ts";

/** A Nova flavor. */
export interface FakeFlavor {
  id: string;
  name: string;
  ram: number;
  vcpus: number;
  disk: number;
  extra_specs: Record<string, string>;
  description?: string | null;
}

/** Options of the fake Nova. */
export interface NovaOptions {
  /** Nova maximum microversion (default "2.93"; the minimum is 2.1). */
  novaMaxVersion?: string;
  /** Nova page size cap (`osapi_max_limit`, default 1000). */
  novaMaxLimit?: number;
}

/** The options of {@linkcode FakeNova} nobody sets. */
export const NOVA_DEFAULTS: Required<NovaOptions> = { novaMaxVersion: "2.93", novaMaxLimit: 1000 };

/** Nova over the fake served from `url`. */
export class FakeNova {
  /** `url + "/compute/v2.1"` */
  readonly novaUrl: string;
  /** Nova flavors (listed sorted by id, like Nova's default `flavorid` sort). */
  readonly flavors: FakeFlavor[] = [];

  readonly #url: string;
  readonly #options: Required<NovaOptions>;
  readonly #novaMax: number;
  #counter = 0;

  constructor(url: string, options: Required<NovaOptions>) {
    this.#url = url;
    this.novaUrl = `${url}/compute/v2.1`;
    this.#options = options;
    this.#novaMax = minor(options.novaMaxVersion);
  }

  /** Adds a flavor (id defaults to its name, name to `flavor-<counter>`). */
  addFlavor(flavor: Partial<FakeFlavor> = {}): FakeFlavor {
    const name = flavor.name ?? `flavor-${++this.#counter}`;
    const added: FakeFlavor = {
      ...{ id: name, name, ram: 32768, vcpus: 8, disk: 240, extra_specs: {}, description: null },
      ...flavor,
    };
    this.flavors.push(added);
    return added;
  }

  /** Answers a request to `/compute` + `path`, at the microversion it asks for. */
  handle(req: Request, url: URL, path: string): Response {
    const max = this.#novaMax;
    const header = req.headers.get("openstack-api-version");
    const asked = header !== null
      ? /(?:^|,)\s*compute\s+(\S+)/i.exec(header)?.[1] ?? null
      : req.headers.get("x-openstack-nova-api-version");
    let version = 1;
    if (asked !== null) {
      const parsed = /^2\.(\d+)$/.exec(asked.trim());
      if (asked.trim() === "latest") version = max;
      else if (!/^\d+\.\d+$/.test(asked.trim())) {
        return json(400, {
          badRequest: {
            code: 400,
            message: `API Version String ${asked} is of invalid format. Must be of format ` +
              "MajorNum.MinorNum.",
          },
        });
      } else if (!parsed || Number(parsed[1]) < 1 || Number(parsed[1]) > max) {
        return json(406, {
          computeFault: {
            code: 406,
            message: `Version ${asked} is not supported by the API. Minimum is 2.1 and maximum ` +
              `is 2.${max}.`,
          },
        });
      } else version = Number(parsed[1]);
    }
    const response = this.#novaRoute(req, url, path, version);
    response.headers.set("OpenStack-API-Version", `compute 2.${version}`);
    response.headers.set("X-OpenStack-Nova-API-Version", `2.${version}`);
    response.headers.set("Vary", "OpenStack-API-Version, X-OpenStack-Nova-API-Version");
    return response;
  }

  #novaRoute(req: Request, url: URL, path: string, version: number): Response {
    const notFound = (message = "The resource could not be found.") =>
      json(404, { itemNotFound: { code: 404, message } });
    if (req.method !== "GET") return notFound();
    if (path === "/v2.1" || path === "/v2.1/") {
      return json(200, {
        version: {
          id: "v2.1",
          status: "CURRENT",
          version: `2.${this.#novaMax}`,
          min_version: "2.1",
          links: [{ rel: "self", href: `${this.novaUrl}/` }],
        },
      });
    }
    const one = /^\/v2\.1\/flavors\/([^/]+)(\/os-extra_specs)?$/.exec(path);
    if (one && one[1] !== "detail") {
      const id = decodeURIComponent(one[1]);
      const flavor = this.flavors.find((f) => f.id === id);
      if (!flavor) return notFound(`Flavor ${id} could not be found.`);
      if (one[2]) return json(200, { extra_specs: flavor.extra_specs });
      return json(200, { flavor: this.#renderFlavor(flavor, version, true) });
    }
    const list = /^\/v2\.1\/flavors(\/detail)?\/?$/.exec(path);
    if (!list) return notFound();
    const params = url.searchParams;
    const bad = (message: string) => json(400, { badRequest: { code: 400, message } });
    const asked = parseLimit(params.get("limit"));
    if (asked === "invalid") return bad("limit param must be an integer");
    if (asked !== null && asked < 0) return bad("limit param must be positive");
    const limit = Math.min(asked || this.#options.novaMaxLimit, this.#options.novaMaxLimit);
    const sorted = [...this.flavors].sort((a, b) => a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    const marker = params.get("marker");
    const page = pageAfter(sorted, (f) => f.id, marker, limit);
    if (!page) return bad(`marker [${marker}] not found`);
    const result: Record<string, unknown> = {
      flavors: page.map((f) => this.#renderFlavor(f, version, Boolean(list[1]))),
    };
    if (page.length > 0 && page.length === limit) {
      const next = new URLSearchParams(params);
      next.set("marker", page[page.length - 1].id);
      result.flavors_links = [{
        rel: "next",
        href: `${this.novaUrl}/flavors${list[1] ?? ""}?${next}`,
      }];
    }
    return json(200, result);
  }

  #renderFlavor(flavor: FakeFlavor, version: number, detail: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = { id: flavor.id, name: flavor.name };
    if (detail) {
      Object.assign(out, {
        ram: flavor.ram,
        disk: flavor.disk,
        vcpus: flavor.vcpus,
        swap: version >= 75 ? 0 : "",
        "OS-FLV-EXT-DATA:ephemeral": 0,
        "OS-FLV-DISABLED:disabled": false,
        "os-flavor-access:is_public": true,
        rxtx_factor: 1.0,
      });
    }
    if (version >= 55) out.description = flavor.description ?? null;
    if (detail && version >= 61) out.extra_specs = flavor.extra_specs;
    out.links = [
      { rel: "self", href: `${this.novaUrl}/flavors/${flavor.id}` },
      { rel: "bookmark", href: `${this.#url}/compute/flavors/${flavor.id}` },
    ];
    return out;
  }
}
