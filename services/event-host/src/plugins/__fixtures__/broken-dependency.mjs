// A plugin package whose own dependency is missing: loading it fails inside the package.
import '@engagement/this-dependency-does-not-exist';

export const plugins = [];
