import { detectCapabilities } from '../worker/detectCapabilities.ts'
import { useAsync } from './useAsync.ts'

const detect = (signal: AbortSignal) => detectCapabilities({ signal })

export function DeviceCard() {
  const state = useAsync(detect)
  return (
    <section className="card" aria-labelledby="device-title" data-testid="device-card">
      <h2 id="device-title">This device</h2>
      {state.status === 'loading' && <p>Checking what this browser can run&hellip;</p>}
      {state.status === 'error' && (
        <p role="alert">Could not read this device: {state.error.message}</p>
      )}
      {state.status === 'ready' && (
        <dl className="facts">
          <dt>WebGPU</dt>
          <dd data-testid="webgpu">
            {state.value.webgpu.available
              ? `${state.value.webgpu.vendor || 'unknown vendor'} ${state.value.webgpu.architecture}${
                  state.value.webgpu.isFallbackAdapter ? ' (software fallback)' : ''
                }`
              : `unavailable: ${state.value.webgpu.reason} Models will run on WASM.`}
          </dd>
          <dt>WASM threads</dt>
          <dd data-testid="wasm-threads">
            {state.value.wasmThreads}
            {state.value.crossOriginIsolated
              ? ` of ${state.value.hardwareConcurrency} cores (page is cross-origin isolated)`
              : ' (page is not cross-origin isolated, so WASM runs single-threaded)'}
          </dd>
        </dl>
      )}
    </section>
  )
}
