/**
 * Who may call what: the three roles, and for every method the least role
 * that may call it. One table, checked in one place (the auth interceptor)
 * before any handler runs; a test holds it to every method the server has.
 */

/** The roles a caller can hold, each allowing everything the one before allows. */
export const ROLES = ['reader', 'writer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a method needs: a role, or `open` (anyone, even without credentials). */
export type Access = Role | 'open';

/** Whether `role` may call a method that needs `needed`. */
export function allows(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/**
 * Every method of the API by its full path. reader: get and list calls;
 * writer: identify, channel data, preferences, bulk identify, messages'
 * writes; admin: delete, bulk delete, merge (destructive, audited).
 */
export const METHOD_ACCESS: Readonly<Record<string, Access>> = {
  '/herald.users.v1.UsersService/GetUser': 'reader',
  '/herald.users.v1.UsersService/ListUsers': 'reader',
  '/herald.users.v1.UsersService/GetChannelData': 'reader',
  '/herald.users.v1.UsersService/GetPreferences': 'reader',
  '/herald.users.v1.UsersService/ListPreferences': 'reader',
  '/herald.users.v1.UsersService/IdentifyUser': 'writer',
  '/herald.users.v1.UsersService/BulkIdentifyUsers': 'writer',
  '/herald.users.v1.UsersService/StreamIdentifyUsers': 'writer',
  '/herald.users.v1.UsersService/SetChannelData': 'writer',
  '/herald.users.v1.UsersService/UnsetChannelData': 'writer',
  '/herald.users.v1.UsersService/SetPreferences': 'writer',
  '/herald.users.v1.UsersService/DeleteUser': 'admin',
  '/herald.users.v1.UsersService/BulkDeleteUsers': 'admin',
  '/herald.users.v1.UsersService/MergeUsers': 'admin',
  '/herald.messages.v1.MessagesService/GetMessage': 'reader',
  '/herald.messages.v1.MessagesService/ListMessages': 'reader',
  '/herald.messages.v1.MessagesService/ListActivities': 'reader',
  '/herald.messages.v1.MessagesService/CreateMessage': 'writer',
  '/herald.messages.v1.MessagesService/AddActivity': 'writer',
  '/herald.messages.v1.MessagesService/MarkMessages': 'writer',
  '/grpc.health.v1.Health/Check': 'open',
  '/grpc.health.v1.Health/Watch': 'open',
  '/grpc.health.v1.Health/List': 'open',
};

/** Methods whose calls also write an audit line: they destroy data. */
export const AUDITED_METHODS: ReadonlySet<string> = new Set([
  '/herald.users.v1.UsersService/DeleteUser',
  '/herald.users.v1.UsersService/BulkDeleteUsers',
  '/herald.users.v1.UsersService/MergeUsers',
]);

/** The reflection services' path prefixes: governed by the REFLECTION setting, not by this table. */
export const REFLECTION_PREFIXES = ['/grpc.reflection.v1.ServerReflection/', '/grpc.reflection.v1alpha.ServerReflection/'] as const;
