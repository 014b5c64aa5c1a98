/**
 * The fake OpenStack tests start: {@linkcode FakeOpenStack} (the shared server, in
 * `openstack/server.ts`) over one fake per service (`openstack/keystone.ts`, `ironic.ts`,
 * `nova.ts`, `glance.ts`).
 *
 * @module
 */
export {
  FakeOpenStack,
  type FakeOpenStackOptions,
  type Fault,
  type FaultMatch,
  type RecordedRequest,
} from "./openstack/server.ts";
export type { FakeNode } from "./openstack/ironic.ts";
export type { FakeFlavor } from "./openstack/nova.ts";
export type { FakeImage } from "./openstack/glance.ts";
