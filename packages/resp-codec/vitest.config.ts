import { defineShoalProject } from "@shoal/vitest-config";

export default defineShoalProject("resp-codec");
