/**
 * The kinds of option section schemas are made of. Owners of a section (a scout, the director)
 * build their schemas from these, so an option of a kind reads and fails the same everywhere.
 *
 * @module
 */
import { z } from "zod";

/** A free-text option, unset by default. */
export const text = () => z.string().optional();
/** A secret option: never printed, valid or not, and readable from `<option>_file`. */
export const secret = () => text().meta({ secret: true });
/** A count (0 or more), `fallback` by default. */
export const count = (fallback: number) => z.number().int().min(0).default(fallback);
/** Whole seconds (1 or more), `fallback` by default. */
export const seconds = (fallback: number) => z.number().int().min(1).default(fallback);
