// Same chain, contracts and deployment as the real indexer: only the handlers differ.
export { default } from "../../indexer/ponder.config.ts";
