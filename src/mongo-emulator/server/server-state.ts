/**
 * Everything one emulator instance holds: its address, the data, the
 * storage engine, sessions and cursors. Commands receive it through their
 * context.
 */
import { ObjectId } from 'bson';
import { Catalog } from '../storage/catalog.ts';
import { SessionRegistry } from '../txn/session-registry.ts';
import { WriteEngine } from '../txn/write-engine.ts';
import { CursorRegistry } from './cursor-registry.ts';

/** Where the server listens and what replica set it claims to be. */
export interface ServerIdentity {
  readonly host: string;
  port: number;
  readonly replicaSetName: string;
}

/** The state of one emulator instance. */
export class ServerState {
  readonly identity: ServerIdentity;
  readonly catalog = new Catalog();
  readonly engine = new WriteEngine((collection) => this.catalog.forget(collection));
  readonly sessions = new SessionRegistry(this.engine);
  readonly cursors = new CursorRegistry();
  readonly electionId = new ObjectId('7fffffff0000000000000001');
  readonly startedAt = new Date();
  #connectionIds = 0;

  constructor(identity: ServerIdentity) {
    this.identity = identity;
  }

  /** `host:port` as clients dial it and as `hello` lists it in `hosts`. */
  get address(): string {
    return `${this.identity.host}:${this.identity.port}`;
  }

  nextConnectionId(): number {
    return ++this.#connectionIds;
  }
}
