import { defineShoalProject } from "@shoal/vitest-config";

export default defineShoalProject("client");
