/**
 * How an image is described to the agent: where it is downloaded from, its disk format, and the
 * hash the agent checks it against, from Glance or from `[standalone] images`; and the
 * `image_info` of the Ironic plugin's `cache_image`, shaped as Ironic's own `write_image` shapes
 * it (`os_hash_algo` and `os_hash_value`, else the MD5 `checksum`; IPA reads `checksum` as MD5).
 *
 * @module
 */
import type { GlanceImage } from "./glance.ts";
import type { StaticImage } from "./rules.ts";

/** Where an image is downloaded from, and how the agent checks it. */
export interface ImageSource {
  readonly url: string;
  readonly diskFormat?: string;
  readonly osHashAlgo?: string;
  readonly osHashValue?: string;
  /** MD5, Glance's `checksum`. */
  readonly checksum?: string;
}

/** The `image_info` of the plugin's `cache_image`. */
export function arsenalImageInfo(id: string, source: ImageSource): Record<string, unknown> {
  const info: Record<string, unknown> = { id, urls: [source.url] };
  if (source.diskFormat) info.disk_format = source.diskFormat;
  if (source.osHashAlgo && source.osHashValue) {
    info.os_hash_algo = source.osHashAlgo;
    info.os_hash_value = source.osHashValue;
  } else if (source.checksum) info.checksum = source.checksum;
  return info;
}

/** Disk formats a standalone image's URL may name by its extension. */
export const DISK_FORMATS: ReadonlySet<string> = new Set([
  "raw",
  "qcow2",
  "vmdk",
  "vdi",
  "vhd",
  "vhdx",
  "iso",
]);

/** The disk format a URL's file name ends in, if it names one. */
export function diskFormatOf(url: string): string | undefined {
  const extension = /\.([a-z0-9]+)$/i.exec(new URL(url).pathname)?.[1]?.toLowerCase();
  return extension && DISK_FORMATS.has(extension) ? extension : undefined;
}

/**
 * A standalone image's source: its checksum by algorithm (IPA reads `checksum` as MD5), and the
 * disk format its file name says, if any (Ironic sends none for a URL unless told).
 */
export function staticSource({ url, checksum, hashAlgo }: StaticImage): ImageSource {
  const diskFormat = diskFormatOf(url);
  return hashAlgo === "md5"
    ? { url, diskFormat, checksum }
    : { url, diskFormat, osHashAlgo: hashAlgo, osHashValue: checksum };
}

/** A Glance image's source, as Ironic describes it to the agent. */
export function glanceSource(url: string, image: GlanceImage): ImageSource {
  const text = (value: unknown) => typeof value === "string" && value ? value : undefined;
  return {
    url,
    diskFormat: text(image.disk_format),
    osHashAlgo: text(image.os_hash_algo),
    osHashValue: text(image.os_hash_value),
    checksum: text(image.checksum),
  };
}
