/**
 * The names of Arsenal's own sections of `arsenal.conf`, apart from their schemas
 * (`src/sections.ts`, which must give each name a schema): a command that reads one section can
 * tell Arsenal's others from a typo without loading their code.
 *
 * @module
 */

/** Arsenal's sections, in the order the README documents them. */
export const SECTION_NAMES = [
  "DEFAULT",
  "director",
  "api",
  "simulator",
  "strategy",
  "client_wrapper",
  "nova",
  "ironic",
  "glance",
  "standalone",
] as const;

/** One of Arsenal's sections. */
export type SectionName = typeof SECTION_NAMES[number];
