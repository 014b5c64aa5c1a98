/** A module with no default export. */
export const name = "no_default";
