/**
 * A loopback HTTP image server for the lab: whole-disk images of a given size, with their MD5,
 * SHA-256 and SHA-512, and a count of the GETs (downloads) and HEADs (Ironic's URL checks) per
 * path.
 *
 * Each image starts with an MBR holding one Linux partition and a disk signature from its seed,
 * so that the agent's check after writing ("No partitions found on the device") passes, as it
 * must for a real whole-disk image; the rest is deterministic pseudo-random bytes.
 *
 * As a command it serves images for trying Arsenal against the lab (README, "Try it against a
 * real Ironic") and prints their `[standalone] images` lines:
 *
 * ```sh
 * deno run --allow-net tests/lab/image_server.ts [--port 8080] [NAME=MIB ...]
 * ```
 *
 * @module
 */
import { createHash } from "node:crypto";

/** An image the server holds. */
export interface ServedImage {
  /** The path segment after `/` (what Ironic sends the agent as the image id). */
  readonly name: string;
  readonly url: string;
  readonly size: number;
  readonly md5: string;
  readonly sha256: string;
  readonly sha512: string;
  /** The MBR disk signature as IPA reports it (`root uuid`), e.g. "0x1a2b3c4d". */
  readonly diskIdentifier: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/** Options of {@linkcode ImageServer.add}. */
export interface ImageOptions {
  /** Bytes of the image (at least 1 KiB). */
  readonly size: number;
  /** Seed of the content (default: derived from the name). */
  readonly seed?: number;
  /** Throttle: the body is sent at about this many bytes per second (default: unthrottled). */
  readonly bytesPerSecond?: number;
}

const SECTOR = 512;
const CHUNK = 1024 * 1024;

function hashName(name: string): number {
  let h = 2166136261;
  for (const c of new TextEncoder().encode(name)) h = Math.imul(h ^ c, 16777619) >>> 0;
  return h || 1;
}

/** Deterministic content (xorshift32) with an MBR: one partition of type 0x83 from LBA 2048. */
export function imageBytes(size: number, seed: number): Uint8Array<ArrayBuffer> {
  if (size < 2 * SECTOR) throw new Error(`Cannot build an image of ${size} bytes: at least 1 KiB`);
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  const bytes = new Uint8Array(words.buffer, 0, size);
  const view = new DataView(words.buffer);
  view.setUint32(440, seed >>> 0, true); // disk signature
  bytes.fill(0, 444, 510);
  const sectors = Math.max(Math.floor(size / SECTOR) - 2048, 1);
  bytes[446] = 0x80; // bootable
  bytes[446 + 4] = 0x83; // Linux
  view.setUint32(446 + 8, 2048, true);
  view.setUint32(446 + 12, sectors, true);
  bytes[510] = 0x55;
  bytes[511] = 0xaa;
  return new Uint8Array(bytes.buffer.slice(0, size));
}

function digest(algorithm: string, bytes: Uint8Array): string {
  return createHash(algorithm).update(bytes).digest("hex");
}

/** The server; `close()` (or dispose) stops it. */
export class ImageServer implements AsyncDisposable {
  readonly #images = new Map<string, ServedImage & { readonly bytesPerSecond?: number }>();
  readonly #gets = new Map<string, number>();
  readonly #heads = new Map<string, number>();
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  /** e.g. http://127.0.0.1:40123 */
  readonly base: string;

  constructor(port = 0) {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port, onListen: () => {} },
      (req) => this.#handle(req),
    );
    this.base = `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Adds (or replaces) an image at `/<name>`. */
  add(name: string, options: ImageOptions): ServedImage {
    const seed = options.seed ?? hashName(name);
    const bytes = imageBytes(options.size, seed);
    const image = {
      name,
      url: `${this.base}/${name}`,
      size: bytes.length,
      md5: digest("md5", bytes),
      sha256: digest("sha256", bytes),
      sha512: digest("sha512", bytes),
      diskIdentifier: `0x${(seed >>> 0).toString(16).padStart(8, "0")}`,
      bytes,
      bytesPerSecond: options.bytesPerSecond,
    };
    this.#images.set(name, image);
    return image;
  }

  /** GETs of `/<name>` so far (every attempt, answered or not). */
  gets(name: string): number {
    return this.#gets.get(name) ?? 0;
  }

  /** HEADs of `/<name>` so far (Ironic checks an image URL with HEAD before a deploy). */
  heads(name: string): number {
    return this.#heads.get(name) ?? 0;
  }

  /** Forgets the counts. */
  resetCounts(): void {
    this.#gets.clear();
    this.#heads.clear();
  }

  #handle(req: Request): Response {
    const name = decodeURIComponent(new URL(req.url).pathname.slice(1));
    const counts = req.method === "HEAD" ? this.#heads : this.#gets;
    if (req.method !== "GET" && req.method !== "HEAD") {
      return new Response("method not allowed\n", { status: 405 });
    }
    counts.set(name, (counts.get(name) ?? 0) + 1);
    const image = this.#images.get(name);
    if (!image) return new Response("not found\n", { status: 404 });
    const headers = {
      "Content-Type": "application/octet-stream",
      "Content-Length": String(image.size),
      "Last-Modified": "Mon, 01 Jan 2024 00:00:00 GMT",
    };
    if (req.method === "HEAD") return new Response(null, { headers });
    return new Response(body(image.bytes, image.bytesPerSecond), { headers });
  }

  async close(): Promise<void> {
    await this.#server.shutdown();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function body(bytes: Uint8Array<ArrayBuffer>, bytesPerSecond?: number): ReadableStream<Uint8Array> {
  let offset = 0;
  const chunk = bytesPerSecond
    ? Math.max(Math.min(CHUNK, Math.floor(bytesPerSecond / 10)), 1)
    : CHUNK;
  return new ReadableStream({
    async pull(controller) {
      if (offset >= bytes.length) return controller.close();
      if (bytesPerSecond) {
        await new Promise((resolve) => setTimeout(resolve, (chunk / bytesPerSecond) * 1000));
      }
      controller.enqueue(bytes.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** Starts an image server on 127.0.0.1, on a free port unless one is given. */
export function startImageServer(port = 0): ImageServer {
  return new ImageServer(port);
}

/** What the command serves without arguments (config/lab.conf lists them). */
export const DEFAULT_IMAGES: readonly { readonly name: string; readonly mib: number }[] = [
  { name: "lab-ubuntu.raw", mib: 64 },
  { name: "lab-rocky.raw", mib: 32 },
];

/**
 * `[standalone] images` lines, `name id url checksum`: the id is the URL's last segment (what
 * Ironic sends the agent at deploy time), the checksum the SHA-256.
 */
export function catalogLines(images: readonly ServedImage[]): string[] {
  return images.map((i) => `${i.name} ${i.url.split("/").at(-1)} ${i.url} ${i.sha256}`);
}

function parseArgs(
  args: readonly string[],
): { port: number; images: { name: string; mib: number }[] } {
  let port = 8080;
  const images: { name: string; mib: number }[] = [];
  for (let i = 0; i < args.length; i++) {
    const match = /^([\w.-]+)=(\d+)$/.exec(args[i]);
    if (args[i] === "--port" && /^\d+$/.test(args[i + 1] ?? "")) port = Number(args[++i]);
    else if (match && Number(match[2]) > 0) images.push({ name: match[1], mib: Number(match[2]) });
    else throw new Error(`Cannot read argument ${args[i]}: expected --port N or NAME=MIB`);
  }
  return { port, images: images.length ? images : [...DEFAULT_IMAGES] };
}

if (import.meta.main) {
  const { port, images } = parseArgs(Deno.args);
  const server = startImageServer(port);
  const served = images.map(({ name, mib }) => server.add(name, { size: mib * 2 ** 20 }));
  console.log(`[standalone]\nimages =\n${catalogLines(served).map((l) => `    ${l}`).join("\n")}`);
  console.error(`serving ${served.length} images on ${server.base}; Ctrl-C stops`);
}
