/** `/network`: the grid's live figures (the same numbers as /metrics). Loaded only when visited. */
export function NetworkPage() {
  return (
    <section className="card" aria-labelledby="network-title">
      <h2 id="network-title">Network</h2>
      <p>Workers online, jobs per second, queue depth and models served.</p>
    </section>
  )
}
