// Placeholder owned by the keyspace core: the Keyspace (all databases) and Database classes.
export class Keyspace {}
export class Database {}
