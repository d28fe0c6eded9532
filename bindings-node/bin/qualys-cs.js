#!/usr/bin/env node
'use strict'
// The `qualys-cs` command line of the npm package: the Rust implementation every install shares
// (`qualys-cs --help`), and one command of its own, `qualys-cs build-from-source`, which builds the
// addon from the Rust sources in the package for a platform with no prebuilt binary (it cannot go
// through the addon: there is none yet).
const args = process.argv.slice(2)

if (args[0] === 'build-from-source') {
  process.exitCode = require('../scripts/build-from-source.js').main(args.slice(1))
} else {
  const { loadNative } = require('../load')
  process.exitCode = loadNative().cliMain(['qualys-cs', ...args])
}
