/**
 * Glance's images (v2), page by page; `next` links are relative to the endpoint.
 *
 * @module
 */
import { requireList } from "./errors.ts";
import { joinUrl, type ServiceClient } from "./http.ts";

/** An image as Glance lists it: its fields and its custom properties, side by side. */
export type GlanceImage = Readonly<Record<string, unknown>> & {
  readonly id: string;
  readonly name?: string | null;
  readonly status?: string;
  readonly visibility?: string;
  readonly checksum?: string | null;
  readonly os_hash_value?: string | null;
  readonly file?: string;
};

/** Every active image (of one visibility when exactly one is wanted). */
export async function listImages(
  client: ServiceClient,
  visibility: readonly string[],
  signal: AbortSignal,
): Promise<GlanceImage[]> {
  const images: GlanceImage[] = [];
  let url: string | undefined = "v2/images";
  let searchParams: Record<string, string> | undefined = {
    limit: "1000",
    status: "active",
    // Community images are listed only when asked for.
    visibility: visibility.length === 1 ? visibility[0] : "all",
  };
  const seen = new Set<string>();
  while (url && !seen.has(url)) {
    seen.add(url);
    const page: { images?: GlanceImage[]; next?: string } = await client.json("GET", url, {
      signal,
      searchParams,
    });
    images.push(...requireList<GlanceImage>("image", "/v2/images", "images", page.images));
    url = page.next;
    searchParams = undefined;
  }
  return images;
}

/** The URL an agent downloads an image from: the endpoint plus the image's `file` path. */
export function imageUrl(endpoint: string, image: GlanceImage): string {
  return joinUrl(endpoint, image.file ?? `/v2/images/${image.id}/file`);
}

/**
 * Whether Ironic deploys `image` as a partition image (`common/images.py`
 * `is_whole_disk_image`): `img_type = partition`, else a `kernel_id` or `ramdisk_id`.
 */
export function isPartitionImage(image: GlanceImage): boolean {
  if (typeof image.img_type === "string" && image.img_type) return image.img_type === "partition";
  return Boolean(image.kernel_id || image.ramdisk_id);
}
