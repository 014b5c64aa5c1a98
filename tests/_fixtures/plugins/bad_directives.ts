/** A well-formed strategy whose plan breaks the contract: unknown image, node twice, bad kind. */
import type { FleetState } from "../../../src/domain/fleet.ts";

export default {
  name: "bad_directives",
  version: "0.0.1",
  plan(fleet: FleetState) {
    const node = fleet.nodes[0]?.uuid ?? "n1";
    return [
      { kind: "cache", nodeUuid: node, imageUuid: "no-such-image", imageChecksum: "x" },
      { kind: "eject", nodeUuid: node },
      { kind: "wipe", nodeUuid: "n9" },
    ];
  },
};
