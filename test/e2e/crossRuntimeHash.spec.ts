import * as protocol from '../../src/protocol/index.ts'
import { bundleForBrowser } from '../fixtures/bundleForBrowser.ts'
import { expect, test } from './fixtures.ts'

type Protocol = typeof protocol
type WireTensor = { dtype: protocol.DType; dims: number[]; base64: string }

// Deterministic bytes (xorshift32), so both runtimes see exactly the same tensors.
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed >>> 0 || 1
  for (let i = 0; i < length; i++) {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    out[i] = x & 0xff
  }
  return out
}

function tensorMaps(): Record<string, Record<string, WireTensor>> {
  const t = (dtype: protocol.DType, dims: number[], seed: number): WireTensor => {
    const data = bytes(protocol.expectedByteLength(dtype, dims) ?? 0, seed)
    if (dtype === 'bool') for (let i = 0; i < data.length; i++) data[i] = (data[i] ?? 0) & 1
    return { dtype, dims, base64: Buffer.from(data).toString('base64') }
  }
  return {
    // The real model input shapes: PP-OCR det, rec; Silero VAD with its state and sample rate.
    ocrDet: { x: t('float32', [1, 3, 640, 640], 1) },
    ocrRec: { x: t('float32', [1, 3, 48, 320], 2) },
    silero: {
      input: t('float32', [1, 512], 3),
      state: t('float32', [2, 1, 128], 4),
      sr: t('int64', [], 5),
    },
    // Every dtype, odd sizes, an empty tensor, names that sort differently in UTF-16 and UTF-8.
    mixed: Object.fromEntries(
      (Object.keys(protocol.dtypes) as protocol.DType[]).map((dtype, i) => [
        `${dtype}-\u{1F600}-${i}`,
        t(dtype, i % 3 === 0 ? [0, 7] : [3, i + 1], 100 + i),
      ]),
    ),
    names: {
      '\u{10000}': t('uint8', [1], 9),
      '\uFFFF': t('uint8', [1], 10),
      a: t('bool', [2], 11),
    },
  }
}

function fromWire(map: Record<string, WireTensor>): protocol.TensorMap {
  return Object.fromEntries(
    Object.entries(map).map(([name, w]) => [
      name,
      { dtype: w.dtype, dims: w.dims, data: new Uint8Array(Buffer.from(w.base64, 'base64')) },
    ]),
  )
}

async function digestsInNode(maps: ReturnType<typeof tensorMaps>) {
  const out: Record<string, { hash: string; messageHash: string }> = {}
  for (const [key, wire] of Object.entries(maps)) {
    const inputs = fromWire(wire)
    const message = protocol.encodeMessage({
      v: protocol.PROTOCOL_VERSION,
      type: 'assign',
      jobId: `job-${key}`,
      modelId: `0x${'ab'.repeat(32)}`,
      inputs,
      outputNames: ['out'],
      leaseDeadline: 1_764_000_000_000,
      attempt: 1,
    })
    out[key] = {
      hash: await protocol.hashTensorMap(inputs),
      messageHash: await protocol.sha256Hex(message),
    }
  }
  return out
}

test.describe('tensor hashing across runtimes', () => {
  test.use({ bypassCSP: true })

  test('default: Chromium and Node hash the same tensor maps and messages identically', async ({
    page,
  }) => {
    const maps = tensorMaps()
    const node = await digestsInNode(maps)
    await page.goto('/')
    await page.addScriptTag({
      content: await bundleForBrowser('src/protocol/index.ts', 'IGProtocol'),
    })
    const browser = await page.evaluate(async (wireMaps) => {
      const p = (window as unknown as { IGProtocol: Protocol }).IGProtocol
      const decode = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))
      const out: Record<string, { hash: string; messageHash: string }> = {}
      for (const [key, wire] of Object.entries(wireMaps)) {
        const inputs = Object.fromEntries(
          Object.entries(wire).map(([name, w]) => [
            name,
            { dtype: w.dtype, dims: w.dims, data: decode(w.base64) },
          ]),
        )
        const message = p.encodeMessage({
          v: p.PROTOCOL_VERSION,
          type: 'assign',
          jobId: `job-${key}`,
          modelId: `0x${'ab'.repeat(32)}`,
          inputs,
          outputNames: ['out'],
          leaseDeadline: 1_764_000_000_000,
          attempt: 1,
        })
        out[key] = { hash: await p.hashTensorMap(inputs), messageHash: await p.sha256Hex(message) }
      }
      return out
    }, maps)
    expect(Object.keys(node)).toHaveLength(5)
    expect(browser).toEqual(node)
    // Different maps must not collide (guards against hashing nothing).
    expect(new Set(Object.values(node).map((d) => d.hash)).size).toBe(5)
  })
})
