import type { BackendSelfTest } from '../../worker/engine/Engine.ts'
import type { ContributorModel, ContributorStatus } from './createContributor.ts'
import { formatBytes } from './formatBytes.ts'
import { ProgressBar } from './ProgressBar.tsx'

const backendNames: Record<string, string> = { webgpu: 'WebGPU', wasm: 'WASM', webnn: 'WebNN' }

/** What each error code asks the contributor to do. */
const remedies: Record<string, string> = {
  MODEL_DOWNLOAD_CAP_EXCEEDED:
    'Raise the download cap under Controls, or clear cached models, then Stop and Start again.',
  MODEL_STORAGE_QUOTA: 'Free some space for this site (clear cached models), then Start again.',
  MODEL_INTEGRITY: 'The bytes were discarded; Start again. If it repeats, tell the operator.',
  MODEL_DOWNLOAD_FAILED: 'Check the connection to the gateway and Start again.',
  ENGINE_SELF_TEST_FAILED:
    'No backend of this browser computes this model correctly; the tab serves the other models.',
}

/** The models this tab serves: download progress and size, and the self-test per backend. */
export function ModelsCard({ status }: { status: ContributorStatus }) {
  return (
    <section className="card" aria-labelledby="models-title" data-testid="models-card">
      <h2 id="models-title">Models</h2>
      {status.models.length === 0 ? (
        <p className="muted">
          {status.state === 'starting'
            ? 'Asking the gateway which models it serves…'
            : 'Models download when you press Start, each checked against its hash and cached for next time; each is then self-tested on this device before it takes jobs.'}
        </p>
      ) : (
        <ul className="model-list">
          {status.models.map((model) => (
            <ModelItem key={model.id} model={model} />
          ))}
        </ul>
      )}
    </section>
  )
}

function ModelItem({ model }: { model: ContributorModel }) {
  const { download } = model
  const total = download?.totalBytes ?? model.size ?? 0
  const loaded = download?.loadedBytes ?? 0
  const sizeText = download?.cached
    ? `${formatBytes(total)}, cached`
    : download
      ? `${formatBytes(loaded)} of ${formatBytes(total)}`
      : model.size !== undefined
        ? formatBytes(model.size)
        : ''
  return (
    <li className="model" data-testid={`model-row-${model.name}`}>
      <div className="model-head">
        <strong>{model.name}</strong>
        <span data-testid={`model-${model.name}`}>{stateText(model)}</span>
      </div>
      {(download || model.state === 'download') && (
        <ProgressBar
          label={`Download of ${model.name}`}
          value={download?.cached ? total : loaded}
          max={total}
          text={sizeText}
          testId={`model-progress-${model.name}`}
        />
      )}
      <div className="muted" data-testid={`model-size-${model.name}`}>
        {sizeText}
      </div>
      {model.selfTests.length > 0 && (
        <ul className="self-tests" data-testid={`model-self-tests-${model.name}`}>
          {model.selfTests.map((test) => (
            <li key={test.backend}>{selfTestText(test)}</li>
          ))}
        </ul>
      )}
      {model.error && (
        <p className="model-error" role="alert" data-testid={`model-error-${model.name}`}>
          {model.error}
          {model.errorCode && remedies[model.errorCode] ? ` ${remedies[model.errorCode]}` : ''}
        </p>
      )}
    </li>
  )
}

function stateText(model: ContributorModel): string {
  switch (model.state) {
    case 'waiting':
      return 'waiting'
    case 'download':
      return model.download?.cached ? 'from cache' : 'downloading'
    case 'self-test':
      return 'self-testing'
    case 'ready':
      return `ready on ${backendNames[model.backend ?? ''] ?? model.backend}`
    case 'failed':
      return 'not served'
  }
}

function selfTestText(test: BackendSelfTest): string {
  const name = backendNames[test.backend] ?? test.backend
  return test.passed
    ? `${name}: passed, ${test.runMs.toFixed(1)} ms a run`
    : `${name}: failed (${test.reason})`
}
