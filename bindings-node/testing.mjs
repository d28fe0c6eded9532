import cjs from './testing.js'

export const { startSimulator } = cjs
export default cjs
