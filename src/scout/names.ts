/**
 * The scouts `[director] scout` selects, by name.
 *
 * @module
 */
import { LEGACY_SCOUTS } from "./openstack/presets.ts";

/**
 * `[director] scout` values: the simulator, the OpenStack scout with or without Nova and Glance,
 * and the original's scout names, which select the OpenStack scout with their filters.
 */
export const SCOUTS = [
  "simulator",
  "openstack",
  "standalone",
  ...Object.keys(LEGACY_SCOUTS) as (keyof typeof LEGACY_SCOUTS)[],
] as const;

/** A `[director] scout` value. */
export type ScoutName = (typeof SCOUTS)[number];
