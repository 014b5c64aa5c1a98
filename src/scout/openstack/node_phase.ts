/**
 * Where an Ironic node is in an instance's life, and the image its instance runs: what the loop
 * observes deploys and deletes from.
 *
 * @module
 */
import type { NodePhase } from "../../domain/fleet.ts";
import type { IronicNode } from "./ironic.ts";

/** Ironic provision states by phase; any other state is `other`. */
const PHASES: Readonly<Record<string, NodePhase>> = {
  "available": "available",
  "deploying": "deploying",
  "wait call-back": "deploying",
  "deploy hold": "deploying",
  "deploy failed": "deploying",
  "active": "active",
  "rescuing": "active",
  "rescue wait": "active",
  "rescue": "active",
  "rescue failed": "active",
  "unrescuing": "active",
  "unrescue failed": "active",
  "deleting": "cleaning",
  "deleted": "cleaning",
  "cleaning": "cleaning",
  "clean wait": "cleaning",
  "clean hold": "cleaning",
  "clean failed": "cleaning",
};

/** The node's phase; a null provision state is `available` (microversion 1.1). */
export function nodePhase(node: Pick<IronicNode, "provision_state">): NodePhase {
  return PHASES[node.provision_state ?? "available"] ?? "other";
}

/**
 * The image the node's instance runs, as the scout identifies images: a Glance UUID as it is, a
 * URL's last path segment (split on `/` as Ironic does before telling the agent); undefined when
 * there is none.
 */
export function instanceImage(node: Pick<IronicNode, "instance_info">): string | undefined {
  const source = node.instance_info?.image_source;
  if (typeof source !== "string" || source === "") return undefined;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source) ? source.split("/").at(-1) || undefined : source;
}
