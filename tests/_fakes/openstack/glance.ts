/**
 * The fake's Glance, under `/image`: images with their properties, paged by relative `next`
 * links, and errors in HTML unless JSON is asked for.
 *
 * @module
 */
import { hexId, json, pageAfter, parseLimit } from "./_shared.ts";

/** A Glance image; any further property is rendered as is. */
export interface FakeImage {
  id: string;
  name: string;
  status: string;
  visibility: string;
  checksum: string | null;
  [property: string]: unknown;
}

/** Glance over the fake served from `url`. */
export class FakeGlance {
  /** `url + "/image"` (the Glance root; the API is under `/v2`) */
  readonly glanceUrl: string;
  /** Glance images, listed in array order. */
  readonly images: FakeImage[] = [];

  #counter = 0;

  constructor(url: string) {
    this.glanceUrl = `${url}/image`;
  }

  /** Adds an active public image with a deterministic id and checksum, as after an upload. */
  addImage(image: Partial<FakeImage> = {}): FakeImage {
    const k = ++this.#counter;
    const added: FakeImage = {
      ...{ id: hexId("11111111", k), name: `image-${k}`, status: "active", visibility: "public" },
      ...{ checksum: k.toString(16).padStart(32, "0"), disk_format: "qcow2" },
      ...{ container_format: "bare", size: 65536, virtual_size: null, os_hash_algo: "sha512" },
      os_hash_value: k.toString(16).padStart(128, "0"),
      ...{ protected: false, min_ram: 0, min_disk: 0, owner: null, os_hidden: false, tags: [] },
      ...{ created_at: "2026-01-01T00:00:00Z", updated_at: "2026-01-01T00:00:00Z", stores: "fs" },
      ...image,
    };
    this.images.push(added);
    return added;
  }

  /** Answers a request to `/image` + `path`. */
  handle(req: Request, url: URL, path: string): Response {
    const wantsJson = (req.headers.get("accept") ?? "").includes("application/json");
    const error = (status: number, title: string, detail: string) => {
      const code = `${status} ${title}`;
      if (wantsJson) {
        return json(status, { message: `${detail}<br /><br />\n\n\n`, code, title });
      }
      const html = `<html>\n <head>\n  <title>${code}</title>\n </head>\n <body>\n  <h1>${code}` +
        `</h1>\n  ${detail}<br /><br />\n\n\n\n </body>\n</html>`;
      return new Response(html, {
        status,
        headers: { "content-type": "text/html; charset=UTF-8" },
      });
    };
    if (req.method !== "GET") return error(405, "Method Not Allowed", "Method not allowed.");
    if (path === "/" || path === "/versions") {
      return json(path === "/" ? 300 : 200, {
        versions: [{
          id: "v2.15",
          status: "CURRENT",
          links: [{ rel: "self", href: `${this.glanceUrl}/v2/` }],
        }],
      });
    }
    const one = /^\/v2\/images\/([^/]+)$/.exec(path);
    if (one) {
      const id = decodeURIComponent(one[1]);
      const image = this.images.find((i) => i.id === id);
      if (!image) return error(404, "Not Found", `No image found with ID ${id}`);
      return json(200, this.#renderImage(image));
    }
    if (!/^\/v2\/images\/?$/.test(path)) {
      return error(404, "Not Found", "The resource could not be found.");
    }
    const params = url.searchParams;
    const asked = parseLimit(params.get("limit"));
    if (asked === "invalid") return error(400, "Bad Request", "limit param must be an integer");
    if (asked !== null && asked < 0) {
      return error(400, "Bad Request", "limit param must be positive");
    }
    const limit = Math.min(asked ?? 25, 1000);
    const [status, name, visibility] = ["status", "name", "visibility"].map((k) => params.get(k));
    const marker = params.get("marker");
    const page = pageAfter(
      this.images,
      (i) => i.id,
      marker,
      limit,
      (i) =>
        (status === null || i.status === status) && (name === null || i.name === name) &&
        (!visibility || visibility === "all" || i.visibility === visibility),
    );
    if (!page) {
      return error(400, "Bad Request", `Invalid marker. Image ${marker} could not be found.`);
    }
    const rest = new URLSearchParams(params);
    rest.delete("marker");
    const query = rest.toString();
    const result: Record<string, unknown> = {
      images: page.map((i) => this.#renderImage(i)),
      first: query ? `/v2/images?${query}` : "/v2/images",
      schema: "/v2/schemas/images",
    };
    if (page.length > 0 && page.length === limit) {
      rest.set("marker", page[page.length - 1].id);
      result.next = `/v2/images?${rest}`;
    }
    return json(200, result);
  }

  #renderImage(image: FakeImage): Record<string, unknown> {
    return {
      ...image,
      self: `/v2/images/${image.id}`,
      file: `/v2/images/${image.id}/file`,
      schema: "/v2/schemas/image",
    };
  }
}
