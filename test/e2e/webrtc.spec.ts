import { expect, inNetns, NETNS_SKIP_REASON, test } from './fixtures.ts'

type Peer = {
  pc: RTCPeerConnection
  dc: RTCDataChannel
  got: Promise<string>
  gathered: () => Promise<RTCSessionDescriptionInit>
}

// Proves the harness carries WebRTC between two Chromium pages without touching the machine's real
// interfaces. Outside the namespace it is skipped: Chromium would gather candidates on the real
// interface that carries the default route.
test.describe('WebRTC inside the test network namespace @netns', () => {
  test.skip(!inNetns, NETNS_SKIP_REASON)

  test('default: two pages connect directly and exchange data over the veth', async ({
    browser,
    baseURL,
  }) => {
    const context = await browser.newContext()
    const [a, b] = [await context.newPage(), await context.newPage()]
    await Promise.all([a.goto(baseURL ?? '/'), b.goto(baseURL ?? '/')])

    const setup = () => {
      const w = window as unknown as Peer
      w.pc = new RTCPeerConnection({ iceServers: [] })
      w.got = new Promise((resolve) => {
        w.pc.ondatachannel = (e) => {
          e.channel.onmessage = (m) => resolve(String(m.data))
        }
      })
      // Non-trickle exchange: hand over the description once every candidate is in it.
      w.gathered = () =>
        new Promise((resolve) => {
          const done = () => w.pc.iceGatheringState === 'complete'
          const finish = () => resolve(w.pc.localDescription?.toJSON() as RTCSessionDescriptionInit)
          if (done()) finish()
          else w.pc.addEventListener('icegatheringstatechange', () => done() && finish())
        })
    }
    await a.evaluate(setup)
    await b.evaluate(setup)

    const offer = await a.evaluate(async () => {
      const w = window as unknown as Peer
      w.dc = w.pc.createDataChannel('ping')
      await w.pc.setLocalDescription(await w.pc.createOffer())
      return w.gathered()
    })
    const answer = await b.evaluate(async (offerSdp) => {
      const w = window as unknown as Peer
      await w.pc.setRemoteDescription(offerSdp)
      await w.pc.setLocalDescription(await w.pc.createAnswer())
      return w.gathered()
    }, offer)
    await a.evaluate(async (answerSdp) => {
      const w = window as unknown as Peer
      await w.pc.setRemoteDescription(answerSdp)
      if (w.dc.readyState !== 'open') await new Promise((r) => w.dc.addEventListener('open', r))
      w.dc.send('ping over veth')
    }, answer)
    expect(await b.evaluate(() => (window as unknown as Peer).got)).toBe('ping over veth')

    const local = await a.evaluate(async () => {
      const w = window as unknown as Peer
      const stats = [...(await w.pc.getStats()).values()]
      const pair = stats.find((s) => s.type === 'candidate-pair' && s.state === 'succeeded')
      const candidate = stats.find((s) => s.id === pair?.localCandidateId)
      return {
        type: candidate?.candidateType as string | undefined,
        protocol: candidate?.protocol as string | undefined,
        rtt: pair?.currentRoundTripTime as number | undefined,
      }
    })
    // A direct UDP path between host candidates (Chromium names them by mDNS, not by IP); the
    // namespace has no interface but lo and the veth, so nothing left the machine.
    expect(local.type).toBe('host')
    expect(local.protocol).toBe('udp')
    expect(local.rtt).toBeGreaterThanOrEqual(0)
    await context.close()
  })
})
