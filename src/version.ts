/** Arsenal's version, reported by `--version` and with every plan. */
export const VERSION = "0.1.0";
