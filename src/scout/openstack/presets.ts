/**
 * The filters the original's DevStack and OnMetal scouts hard-coded, selected by their
 * `[director] scout` names; an option set in the configuration overrides its preset value.
 *
 * @module
 */
/** The original's scouts, by `[director] scout` name: the OpenStack scout with a preset. */
export const LEGACY_SCOUTS = {
  "devstack_scout.DevstackScout": "devstack",
  "onmetal_scout.OnMetalScout": "onmetal",
  "openstack_scout.OpenstackScout": "openstack",
} as const;

/** A preset: the original scout whose filters are in force. */
export type Preset = "devstack" | "onmetal";

/** Each preset's option values, by option name. */
export const PRESETS: Readonly<Record<Preset, Readonly<Record<string, string>>>> = {
  devstack: {
    flavor_name_pattern: "^baremetal$",
    image_name_pattern: "^cirros-0\\.3\\.2-x86_64-disk$",
  },
  onmetal: {
    flavor_name_pattern: "^onmetal-",
    flavor_rules: "onmetal-compute1: memory_mb=32768\n" +
      "onmetal-io1: memory_mb=131072\nonmetal-memory1: memory_mb=524288",
    image_visibility: "public",
    image_property_rules: "flavor_classes contains onmetal\nvm_mode = metal",
  },
};

/** The preset a `[director] scout` value selects, if any. */
export function presetOf(scout: string): Preset | undefined {
  const legacy = scout in LEGACY_SCOUTS
    ? LEGACY_SCOUTS[scout as keyof typeof LEGACY_SCOUTS]
    : undefined;
  return legacy === "devstack" || legacy === "onmetal" ? legacy : undefined;
}

/** The option as configured, else the preset's value for it. */
export function chosen(
  preset: Preset | undefined,
  option: string,
  value: string | undefined,
): string | undefined {
  return value ?? (preset ? PRESETS[preset][option] : undefined);
}
