/**
 * Nova's flavors, with their extra specs (inline from microversion 2.61, else one call each).
 *
 * @module
 */
import { requireList, UpstreamError } from "./errors.ts";
import { type ServiceClient } from "./http.ts";
import { sameOrigin } from "./ironic.ts";

/** The microversion that lists extra specs with the flavors. */
export const EXTRA_SPECS_VERSION = "2.61";

/** A flavor as Arsenal uses it. */
export interface NovaFlavor {
  readonly id: string;
  readonly name: string;
  readonly extraSpecs: Readonly<Record<string, string>>;
}

interface ListedFlavor {
  id: string;
  name: string;
  extra_specs?: Record<string, string>;
  "OS-FLV-DISABLED:disabled"?: boolean;
}

interface FlavorPage {
  flavors?: ListedFlavor[];
  flavors_links?: { rel?: string; href?: string }[];
}

/** Every enabled flavor, following `flavors_links` pages. */
export async function listFlavors(
  client: ServiceClient,
  signal: AbortSignal,
): Promise<NovaFlavor[]> {
  let inline = true;
  let flavors: ListedFlavor[];
  try {
    flavors = await pages(client, signal, {
      "OpenStack-API-Version": `compute ${EXTRA_SPECS_VERSION}`,
      "X-OpenStack-Nova-API-Version": EXTRA_SPECS_VERSION,
    });
  } catch (e) {
    if (!(e instanceof UpstreamError && e.status === 406)) throw e;
    // A Nova older than Rocky: list, then ask for each flavor's extra specs.
    inline = false;
    flavors = await pages(client, signal, {});
  }
  const enabled = flavors.filter((f) => f["OS-FLV-DISABLED:disabled"] !== true);
  const result: NovaFlavor[] = [];
  for (const f of enabled) {
    let extraSpecs = f.extra_specs;
    if (!inline || extraSpecs === undefined) {
      const body: { extra_specs?: Record<string, string> } = await client.json(
        "GET",
        `flavors/${encodeURIComponent(f.id)}/os-extra_specs`,
        { signal },
      );
      extraSpecs = body.extra_specs;
    }
    result.push({ id: f.id, name: f.name, extraSpecs: extraSpecs ?? {} });
  }
  return result;
}

async function pages(
  client: ServiceClient,
  signal: AbortSignal,
  headers: Record<string, string>,
): Promise<ListedFlavor[]> {
  const base = await client.endpoint(signal);
  const flavors: ListedFlavor[] = [];
  let url: string | undefined = "flavors/detail";
  const seen = new Set<string>();
  while (url && !seen.has(url)) {
    seen.add(url);
    const page: FlavorPage = await client.json("GET", url, { signal, headers });
    flavors.push(
      ...requireList<ListedFlavor>("compute", "/flavors/detail", "flavors", page.flavors),
    );
    const next = page.flavors_links?.find((l) => l.rel === "next")?.href;
    url = next ? sameOrigin(next, base) : undefined;
  }
  return flavors;
}
