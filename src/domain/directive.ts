/**
 * Directives: what a strategy asks the director to do.
 *
 * @module
 */

/** Write image `imageUuid` onto node `nodeUuid`. */
export interface CacheDirective {
  readonly kind: "cache";
  readonly nodeUuid: string;
  readonly imageUuid: string;
  readonly imageChecksum: string;
}

/** Put node `nodeUuid` back to uncached (its image was retired or replaced). */
export interface EjectDirective {
  readonly kind: "eject";
  readonly nodeUuid: string;
}

/** One action on one node. */
export type Directive = CacheDirective | EjectDirective;

/** Builds a cache directive. */
export function cache(nodeUuid: string, image: { uuid: string; checksum: string }): CacheDirective {
  return { kind: "cache", nodeUuid, imageUuid: image.uuid, imageChecksum: image.checksum };
}

/** Builds an eject directive. */
export function eject(nodeUuid: string): EjectDirective {
  return { kind: "eject", nodeUuid };
}
