// Never loaded: Node resolves `fs` to its built-in module before node_modules.
module.exports = require('node:fs');
