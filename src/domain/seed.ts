/**
 * The range of seeds, apart from the generator: the command line checks `--seed` without loading
 * the generator's package.
 *
 * @module
 */

/** Seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffff_ffff;
