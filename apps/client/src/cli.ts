// Entry point of the shoal-cli executable.
export {};
