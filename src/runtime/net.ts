/**
 * Network addresses: which ones stay on this host.
 *
 * @module
 */

const IPV4_LOOPBACK = /^127(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** `::ffff:127.x.y.z` as the URL parser writes it: `::ffff:7fxx:yyyy`. */
const MAPPED_LOOPBACK = /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/;

function canonicalIpv6(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[(.*)\]$/, "$1");
  if (!bare.includes(":")) return undefined;
  try {
    return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
}

/**
 * Whether binding `hostname` listens on loopback only: `localhost`, `127.0.0.0/8` in dotted-quad
 * form, or `::1` (in any spelling, or IPv4-mapped `::ffff:127.x.y.z`). Anything else, including
 * `0.0.0.0`, `::`, host names and shorthand like `127.1`, counts as exposed.
 *
 * @example
 * ```ts
 * import { isLoopback } from "./net.ts";
 *
 * isLoopback("127.0.0.1"); // true
 * isLoopback("[::ffff:127.0.0.1]"); // true
 * isLoopback("0.0.0.0"); // false: every interface
 * ```
 */
export function isLoopback(hostname: string): boolean {
  if (hostname.toLowerCase() === "localhost" || IPV4_LOOPBACK.test(hostname)) return true;
  const ipv6 = canonicalIpv6(hostname);
  return ipv6 === "::1" || (ipv6 !== undefined && MAPPED_LOOPBACK.test(ipv6));
}

/** `scheme://user:password@` anywhere in a text. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/**
 * `text` with the credentials of every URL in it replaced: `http://<redacted>@host/`. For
 * messages that print a URL someone gave, valid or not.
 */
export function withoutCredentials(text: string): string {
  return text.replace(USERINFO, "$1<redacted>@");
}
