// Entry point of the shoal-server executable.
export {};
