/** A module that fails while it is imported. */
throw new Error("boom while importing");
