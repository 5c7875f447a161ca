import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openStores, type Stores } from "../../src/store/sql/open-stores.js";
import { describeAtomicStoreContract } from "./store-contract-atomic.js";
import { describeOperatorStoreContract } from "./store-contract-operator.js";
import { describeStoreContract, type StoreOpener } from "./store-contract.js";
import { describeStepsStoreContract } from "./store-contract-steps.js";

const opener: StoreOpener = {
  separateInstances: false,
  async fresh(now) {
    const dataDir = mkdtempSync(join(tmpdir(), "storycast-sql-"));
    const opened: Stores[] = [];
    const open = async () => {
      const stores = await openStores({ dataDir, now });
      opened.push(stores);
      return stores;
    };
    return {
      stores: await open(),
      open,
      async dispose() {
        for (const stores of opened) await stores.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

describeStoreContract("SQLite", opener);
describeAtomicStoreContract("SQLite", opener);
describeStepsStoreContract("SQLite", opener);
describeOperatorStoreContract("SQLite", opener);
