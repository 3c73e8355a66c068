// Error texts the state machine replies with, word for word as Redis 7.0's
// clusterCommand()/clusterCommandSpecial() in src/cluster.c, plus the library error classes.

export const ClusterErrors = {
  invalidSlot: "ERR Invalid or out of range slot",
  slotBusy: (slot: number) => `ERR Slot ${slot} is already busy`,
  slotUnassigned: (slot: number) => `ERR Slot ${slot} is already unassigned`,
  slotTwice: (slot: number) => `ERR Slot ${slot} specified multiple times`,
  startAfterEnd: (s: number, e: number) =>
    `ERR start slot number ${s} is greater than end slot number ${e}`,
  unknownNode: (id: string) => `ERR Unknown node ${id}`,
  forgetMyself: "ERR I tried hard but I can't forget myself...",
  forgetMaster: "ERR Can't forget my master!",
  invalidAddress: (ip: string, port: string) => `ERR Invalid node address specified: ${ip}:${port}`,
  invalidPort: (p: string) => `ERR Invalid TCP base port specified: ${p}`,
  invalidBusPort: (p: string) => `ERR Invalid TCP bus port specified: ${p}`,
  notInteger: "ERR value is not an integer or out of range",
  invalidConfigEpoch: (e: string) => `ERR Invalid config epoch specified: ${e}`,
  epochOthersKnown:
    "ERR The user can assign a config epoch only when the node does not know any other node.",
  epochNonZero: "ERR Node config epoch is already non-zero",
  flushSlotsNotEmpty: "ERR DB must be empty to perform CLUSTER FLUSHSLOTS.",
  resetWithKeys: "ERR CLUSTER RESET can't be called with master nodes containing keys",
  syntax: "ERR syntax error",
  replicateMyself: "ERR Can't replicate myself",
  replicateReplica: "ERR I can only replicate a master, not a replica.",
  replicateNotEmpty: "ERR To set a master the node must be empty and without assigned slots.",
  notAMaster: "ERR The specified node is not a master",
  setSlotOnReplica: "ERR Please use SETSLOT only with masters.",
  notOwner: (slot: number) => `ERR I'm not the owner of hash slot ${slot}`,
  alreadyOwner: (slot: number) => `ERR I'm already the owner of hash slot ${slot}`,
  dontKnowNode: (id: string) => `ERR I don't know about node ${id}`,
  targetNotMaster: "ERR Target node is not a master",
  slotHasKeys: (slot: number) =>
    `ERR Can't assign hashslot ${slot} to a different node while I still hold keys for this hash slot.`,
  setSlotSyntax: "ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP",
  arity: (sub: string) => `ERR wrong number of arguments for 'cluster|${sub}' command`,
  /** addReplySubcommandSyntaxError() */
  subcommandSyntax: (sub: string) =>
    `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try CLUSTER HELP.`,
  unknownSubcommand: (sub: string) => `ERR unknown subcommand '${sub}'. Try CLUSTER HELP.`,
} as const;

/** nodes.conf could not be parsed (Redis exits with "Unrecoverable error: corrupted cluster config file"). */
export class ClusterConfigError extends Error {
  override readonly name = "ClusterConfigError";
  readonly line: number;
  constructor(message: string, line: number, options?: { cause?: unknown }) {
    super(message, options);
    this.line = line;
  }
}
