import type { DetectCapabilitiesReturnType } from '../worker/detectCapabilities.ts'
import { detectCapabilities } from '../worker/detectCapabilities.ts'
import { chooseBackends } from '../worker/engine/chooseBackends.ts'
import type { EngineInfo } from '../worker/engine/Engine.ts'
import { useAsync } from './useAsync.ts'

const detect = (signal: AbortSignal) => detectCapabilities({ signal })
const backendNames: Record<string, string> = { webgpu: 'WebGPU', wasm: 'WASM', webnn: 'WebNN' }

export type DeviceCardProps = {
  /** What the engine decided once started; before Start the card predicts it from the platform. */
  engine: EngineInfo | undefined
}

/** What this browser offers: the backend chosen and why, the GPU adapter, WASM threads. */
export function DeviceCard({ engine }: DeviceCardProps) {
  const state = useAsync(detect)
  return (
    <section className="card" aria-labelledby="device-title" data-testid="device-card">
      <h2 id="device-title">This device</h2>
      {state.status === 'loading' && <p>Checking what this browser can run&hellip;</p>}
      {state.status === 'error' && (
        <p role="alert">
          Could not read this device: {state.error.message}. Reload the page; if it repeats, this
          browser may block the checks (try another browser).
        </p>
      )}
      {state.status === 'ready' && <DeviceFacts capabilities={state.value} engine={engine} />}
    </section>
  )
}

function DeviceFacts({
  capabilities,
  engine,
}: {
  capabilities: DetectCapabilitiesReturnType
  engine: EngineInfo | undefined
}) {
  const caps = engine?.capabilities ?? capabilities
  // Before Start: what the engine will decide from the same facts.
  const { decisions, order } = engine
    ? { decisions: engine.backends, order: engine.order }
    : chooseBackends({ capabilities: caps, wasmThreads: caps.wasmThreads })
  const chosen = order[0]
  const webgpu = decisions.find((d) => d.backend === 'webgpu')
  const threads = engine?.wasm.threads ?? caps.wasmThreads
  return (
    <dl className="facts">
      <dt>Backend</dt>
      <dd data-testid="backend-choice">
        {chosen === undefined
          ? 'No backend can run here: this browser lacks WebAssembly.'
          : chosen === 'webgpu'
            ? `WebGPU on the GPU, WASM where a model fails its self-test.${engine ? '' : ' (chosen at Start)'}`
            : `WASM on the CPU: ${webgpuWhyNot(caps, webgpu?.reason)}${engine ? '' : ' (chosen at Start)'}`}
      </dd>
      <dt>GPU</dt>
      <dd data-testid="webgpu">
        {caps.webgpu.available
          ? `${caps.webgpu.vendor || 'unknown vendor'} ${caps.webgpu.architecture}${
              caps.webgpu.isFallbackAdapter ? ' (software fallback)' : ''
            }${caps.webgpu.description ? `, ${caps.webgpu.description}` : ''}`
          : 'no WebGPU adapter in this browser'}
      </dd>
      <dt>WASM threads</dt>
      <dd data-testid="wasm-threads">
        {threads}
        {caps.crossOriginIsolated
          ? ` of ${caps.hardwareConcurrency} cores (page is cross-origin isolated)`
          : ' (page is not cross-origin isolated, so WASM runs single-threaded)'}
      </dd>
      {engine && (
        <>
          <dt>Runtime</dt>
          <dd data-testid="runtime">
            {engine.runtime.name} {engine.runtime.version}, ready in {Math.round(engine.initMs)} ms
          </dd>
        </>
      )}
      {caps.webgpu.available && webgpu && (
        // Only when WebGPU is there: why the engine does or does not use it (the unavailable
        // case's reason is in the rows above already).
        <BackendRow name={backendNames.webgpu ?? 'WebGPU'} reason={webgpu.reason} />
      )}
    </dl>
  )
}

function BackendRow({ name, reason }: { name: string; reason: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd className="muted" data-testid={`backend-reason-${name}`}>
        {reason}
      </dd>
    </>
  )
}

function webgpuWhyNot(caps: DetectCapabilitiesReturnType, reason: string | undefined): string {
  if (!caps.webgpu.available)
    return `WebGPU unavailable (${caps.webgpu.reason.replace(/\.$/, '')}), running on WASM.`
  if (caps.webgpu.isFallbackAdapter)
    return 'the WebGPU adapter is a software fallback (40-100x slower than WASM), running on WASM.'
  return `${reason ?? 'WebGPU not enabled'}, running on WASM.`
}
