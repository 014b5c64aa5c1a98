/** A well-formed strategy whose plan() throws. */
export default {
  name: "throws_in_plan",
  version: "0.0.1",
  plan(): never {
    throw new Error("boom while planning");
  },
};
