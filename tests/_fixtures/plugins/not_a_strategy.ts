/** A default export that is not a strategy: no version, options of the wrong kind, no plan. */
export default { name: "not_a_strategy", options: 42 };
