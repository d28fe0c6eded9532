// A Lambda-style handler as users write it, bundled by bundle.test.js with esbuild (as CDK's
// NodejsFunction and SAM do) and run from a folder holding only the bundle and the addon. Run as a
// script, it starts the embedded simulator, calls the handler once and prints the result as JSON.
import { Client, NotFoundError } from 'qualys-cs'
import { startSimulator } from 'qualys-cs/testing'

interface Event {
  baseUrl: string
  username: string
  password: string
}

export async function handler(event: Event): Promise<{ images: number; notFound: boolean }> {
  const client = new Client({ baseUrl: event.baseUrl, username: event.username, password: event.password, auth: 'basic' })
  const images = await client.images.list({ pageSize: 10 }).toArray()
  const notFound = await client.images.get('0'.repeat(64)).then(
    () => false,
    (e: unknown) => e instanceof NotFoundError,
  )
  return { images: images.length, notFound }
}

async function main(): Promise<void> {
  const sim = await startSimulator({ images: 30 })
  try {
    console.log(JSON.stringify(await handler({ baseUrl: sim.url, username: sim.username, password: sim.password })))
  } finally {
    await sim.stop()
  }
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e)
    process.exit(1)
  })
}
