// An installed `qualys-cs` works from its prebuilt platform package: it lists images from the
// embedded simulator, and nothing was built into the package. Run in a project that installed the
// tarballs, by test_dist.sh and the release workflow: node smoke_node.cjs <platform> <label>
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Client, NotFoundError } = require('qualys-cs')
const { startSimulator } = require('qualys-cs/testing')

;(async () => {
  const sim = await startSimulator({ images: 120 })
  try {
    const client = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic' })
    assert.equal((await client.images.list({ pageSize: 50 }).toArray()).length, 120)
    await assert.rejects(client.images.get('0'.repeat(64)), NotFoundError)
  } finally {
    await sim.stop()
  }
  const main = path.dirname(require.resolve('qualys-cs/package.json'))
  const built = fs.readdirSync(path.join(main, 'bindings-node')).filter((f) => f.endsWith('.node'))
  assert.deepEqual(built, [], 'a .node was built into the main package: the prebuilt one was not used')
  assert.ok(!fs.existsSync(path.join(main, 'target')), 'a build folder was left in the package')
  const platformPkg = `qualys-cs-${process.argv[2]}`
  require.resolve(`${platformPkg}/package.json`)
  console.log(`${process.argv[3] ?? 'npm install'} (${platformPkg}): listed 120 images from the simulator`)
})().catch((e) => {
  console.error(e)
  process.exit(1)
})
