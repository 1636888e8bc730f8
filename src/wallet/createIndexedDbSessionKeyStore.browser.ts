import type { SessionKeyStore, StoredSession } from './SessionKeyStore.ts'

export type CreateIndexedDbSessionKeyStoreParameters = {
  /** Default 'inference-grid-wallet'. */
  databaseName?: string | undefined
}

const STORE = 'sessions'

/**
 * Delegated sessions in IndexedDB. CryptoKey objects are structured-cloneable, so the key pair
 * is stored as is and stays non-extractable: a reload signs with the same key, and no script can
 * export the private key. Expired sessions are deleted when read.
 */
export function createIndexedDbSessionKeyStore(
  parameters: CreateIndexedDbSessionKeyStoreParameters = {},
): SessionKeyStore {
  const name = parameters.databaseName ?? 'inference-grid-wallet'
  let opened: Promise<IDBDatabase> | undefined

  function open(): Promise<IDBDatabase> {
    opened ??= new Promise((resolve, reject) => {
      const request = indexedDB.open(name, 1)
      request.onupgradeneeded = () => {
        request.result.createObjectStore(STORE, { keyPath: 'id' })
      }
      request.onsuccess = () => resolve(request.result)
      request.onerror = () => reject(request.error)
    })
    return opened
  }

  async function run<T>(mode: IDBTransactionMode, body: (store: IDBObjectStore) => IDBRequest<T>) {
    const db = await open()
    return new Promise<T>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode)
      const request = body(transaction.objectStore(STORE))
      transaction.oncomplete = () => resolve(request.result)
      transaction.onerror = () => reject(transaction.error)
      transaction.onabort = () => reject(transaction.error)
    })
  }

  return {
    async get(id) {
      const session = (await run('readonly', (store) => store.get(id))) as StoredSession | undefined
      if (session && session.expiresAt <= Date.now()) {
        await run('readwrite', (store) => store.delete(id))
        return undefined
      }
      return session
    },
    async put(session) {
      await run('readwrite', (store) => store.put(session))
    },
    async delete(id) {
      await run('readwrite', (store) => store.delete(id))
    },
  }
}
