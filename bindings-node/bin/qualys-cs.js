#!/usr/bin/env node
'use strict'
// The `qualys-cs` command line of the npm package: the Rust implementation every install shares
// (`qualys-cs --help`). Loading the addon may build it first (see scripts/install.js).
const { loadNative } = require('../load')

process.exitCode = loadNative().cliMain(['qualys-cs', ...process.argv.slice(2)])
