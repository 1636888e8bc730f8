import type { SessionKeyStore, StoredSession } from './SessionKeyStore.ts'

/** A SessionKeyStore in memory: for tests, the bench, and browsers without IndexedDB. */
export function createMemorySessionKeyStore(): SessionKeyStore {
  const sessions = new Map<string, StoredSession>()
  return {
    async get(id) {
      return sessions.get(id)
    },
    async put(session) {
      sessions.set(session.id, session)
    },
    async delete(id) {
      sessions.delete(id)
    },
  }
}
