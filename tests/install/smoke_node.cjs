// An installed `qualys-cs` works: it lists images from the embedded simulator. From a prebuilt
// platform package nothing was built into the main package; built from source (platform `source`,
// by check.sh), the addon is in the main package. Run in a project that installed the tarballs, by
// test_dist.sh, check.sh and the release workflow: node smoke_node.cjs <platform|source> <label>
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { spawn } = require('node:child_process')
const { Client, NotFoundError } = require('qualys-cs')
const { startSimulator } = require('qualys-cs/testing')

;(async () => {
  const sim = await startSimulator({ images: 120 })
  try {
    const client = new Client({ baseUrl: sim.url, username: sim.username, password: sim.password, auth: 'basic' })
    assert.equal((await client.images.list({ pageSize: 50 }).toArray()).length, 120)
    await assert.rejects(client.images.get('0'.repeat(64)), NotFoundError)
    // The package's bin (node_modules/.bin/qualys-cs): the shared command line.
    const bin = path.join(process.cwd(), 'node_modules', '.bin', 'qualys-cs')
    const env = { PATH: process.env.PATH, QUALYS_BASE_URL: sim.url, QUALYS_USERNAME: sim.username, QUALYS_PASSWORD: sim.password }
    const out = await new Promise((resolve, reject) => {
      const p = spawn(bin, ['images', 'list', '--page-size', '50', '--all', '-o', 'jsonl'], { env })
      let text = ''
      p.stdout.on('data', (d) => { text += d })
      p.on('error', reject)
      p.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`qualys-cs exited ${code}`))))
    })
    assert.equal(out.trim().split('\n').length, 120)
  } finally {
    await sim.stop()
  }
  const main = path.dirname(require.resolve('qualys-cs/package.json'))
  const built = fs.readdirSync(path.join(main, 'bindings-node')).filter((f) => f.endsWith('.node'))
  assert.ok(!fs.existsSync(path.join(main, 'target')), 'a build folder was left in the package')
  const fromSource = process.argv[2] === 'source'
  if (fromSource) {
    assert.equal(built.length, 1, `one addon built into the main package, found ${built}`)
  } else {
    assert.deepEqual(built, [], 'a .node was built into the main package: the prebuilt one was not used')
    require.resolve(`qualys-cs-${process.argv[2]}/package.json`)
  }
  const from = fromSource ? `${built[0]}, built from source` : `qualys-cs-${process.argv[2]}`
  console.log(`${process.argv[3] ?? 'npm install'} (${from}): listed 120 images from the simulator, also by the bin`)
})().catch((e) => {
  console.error(e)
  process.exit(1)
})
